// Deliveries (delivery_index.hpp): every attempt names its delivery's first attempt, across
// restarts, after a reset by write key, and in a database upgraded from schema 8.
#include "storage/delivery_index.hpp"
#include "storage/sqlite.hpp"
#include "storage/store.hpp"
#include "support/store_records.hpp"

#include <catch2/catch.hpp>

using namespace rm;

namespace {

std::unique_ptr<Store> open_store(const std::string& path) {
    StoreOptions options;
    options.path = path;
    auto s = Store::open(options);
    INFO((s.ok() ? std::string() : s.error().message));
    REQUIRE(s.ok());
    return std::move(*s);
}

int64_t attempt(Store& store, const std::string& write_key, int64_t delivery_key, int status) {
    RequestRecord r = test::request(write_key, status);
    r.delivery_key = delivery_key;
    r.message_count = 1;
    auto id = store.record(r, {});
    REQUIRE(id.ok());
    return *id;
}

// Each delivery as its attempts' request ids, oldest delivery first.
std::vector<std::vector<int64_t>> attempts_of(Store& store, const std::string& write_key = "") {
    DeliveryFilter f;
    f.write_key = write_key;
    auto ds = store.deliveries(f);
    REQUIRE(ds.ok());
    std::vector<std::vector<int64_t>> out;
    for (const auto& d : *ds) {
        out.emplace_back();
        for (const auto& a : d.attempts) {
            out.back().push_back(a.request_id);
        }
    }
    return out;
}

using Ids = std::vector<std::vector<int64_t>>;

} // namespace

TEST_CASE("attempts of one delivery are grouped under its first - also after a restart",
          "[deliveries]") {
    test::TempDir dir;
    const std::string path = (dir.path / "d.db").string();
    int64_t a1, a2, b1, a3;
    {
        auto store = open_store(path);
        a1 = attempt(*store, "wk", 11, 503);
        b1 = attempt(*store, "wk", 22, 200);
        a2 = attempt(*store, "wk", 11, 200);
        CHECK(attempts_of(*store) == Ids{{a1, a2}, {b1}});
        auto ds = store->deliveries({});
        REQUIRE(ds.ok());
        CHECK((*ds)[0].delivery_key == 11);
        CHECK((*ds)[0].outcome == DeliveryOutcome::delivered);
        CHECK((*ds)[1].outcome == DeliveryOutcome::delivered);
        auto rows = store->requests({});
        REQUIRE(rows.ok());
        for (const auto& r : *rows) {
            CHECK(r.delivery_first == (r.record.delivery_key == 11 ? a1 : b1));
        }
    }
    auto store = open_store(path); // the index of first attempts is read back
    a3 = attempt(*store, "wk", 11, 200);
    CHECK(attempts_of(*store) == Ids{{a1, a2, a3}, {b1}});
    auto ds = store->deliveries({});
    REQUIRE(ds.ok());
    CHECK((*ds)[0].outcome == DeliveryOutcome::duplicated);
    auto summary = store->delivery_summary("");
    REQUIRE(summary.ok());
    CHECK(summary->deliveries == 2);
    CHECK(summary->duplicated == 1);
    CHECK(summary->delivered == 1);
}

TEST_CASE("a retry whose first attempt was reset starts a delivery of its own", "[deliveries]") {
    test::TempDir dir;
    auto store = open_store((dir.path / "d.db").string());
    attempt(*store, "gone", 33, 500);
    const int64_t kept = attempt(*store, "kept", 44, 200);
    REQUIRE(store->reset(std::string("gone")).ok());
    const int64_t again = attempt(*store, "gone", 33, 200);
    CHECK(attempts_of(*store) == Ids{{kept}, {again}});
    REQUIRE(store->reset(std::nullopt).ok());
    const int64_t after = attempt(*store, "kept", 44, 200); // ids may start over: checked anyway
    CHECK(attempts_of(*store) == Ids{{after}});
}

TEST_CASE("a database from schema 8 gets delivery_first from its delivery_key", "[deliveries]") {
    test::TempDir dir;
    const std::string path = (dir.path / "d.db").string();
    int64_t a1, b1, a2;
    {
        auto store = open_store(path);
        a1 = attempt(*store, "wk", 11, 429);
        b1 = attempt(*store, "wk", 22, 200);
        a2 = attempt(*store, "wk", 11, 200);
        attempt(*store, "wk", 0, 400); // no messageIds: no delivery
    }
    {
        auto db = sql::Database::open(path, false);
        REQUIRE(db.ok());
        REQUIRE(db->exec(test::k_undo_schema_9).ok()); // what ruddermock left before
    }
    auto store = open_store(path);
    CHECK(attempts_of(*store) == Ids{{a1, a2}, {b1}});
    const int64_t a3 = attempt(*store, "wk", 11, 200); // found in the index read at open
    CHECK(attempts_of(*store) == Ids{{a1, a2, a3}, {b1}});
    CHECK(attempts_of(*store, "other").empty());
}
