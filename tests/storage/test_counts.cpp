// The counts kept incrementally (counts.hpp) always equal what a scan of the tables gives:
// after inserts, refused requests, resets by key and in whole, --max-events trims, a restart,
// and a migration from a database made before the counts existed.
#include "storage/counts.hpp"
#include "storage/schema.hpp"
#include "storage/sqlite.hpp"
#include "storage/store.hpp"
#include "support/store_records.hpp"

#include <catch2/catch.hpp>

using namespace rm;

using rm::test::event;
using rm::test::request;
using rm::test::TempDir;

namespace {

std::unique_ptr<Store> open_store(const std::string& path, int64_t max_events = 0) {
    StoreOptions options;
    options.path = path;
    options.max_events = max_events;
    auto s = Store::open(options);
    INFO((s.ok() ? std::string() : s.error().message));
    REQUIRE(s.ok());
    return std::move(*s);
}

// What the tables hold, counted the slow way.
Counts scanned(const std::string& path) {
    auto db = sql::Database::open(path, true);
    REQUIRE(db.ok());
    Counts c;
    auto each = [&](const char* text, auto fn) {
        auto st = db->prepare(text);
        REQUIRE(st.ok());
        REQUIRE(st->each_row(fn).ok());
    };
    each("SELECT type, write_key FROM events", [&](const sql::Statement& s) {
        c.events_by_type[s.column_text(0)]++;
        c.events_by_write_key[s.column_text(1)]++;
        c.events++;
    });
    each("SELECT status, write_key FROM requests", [&](const sql::Statement& s) {
        c.requests_by_status[static_cast<int>(s.column_int(0))]++;
        c.requests_by_write_key[s.column_text(1)]++;
        c.requests++;
    });
    return c;
}

void check_same(const Counts& got, const Counts& want) {
    CHECK(got.events == want.events);
    CHECK(got.requests == want.requests);
    CHECK(got.events_by_type == want.events_by_type);
    CHECK(got.events_by_write_key == want.events_by_write_key);
    CHECK(got.requests_by_status == want.requests_by_status);
    CHECK(got.requests_by_write_key == want.requests_by_write_key);
}

Counts kept(const std::string& path) {
    auto db = sql::Database::open(path, true);
    REQUIRE(db.ok());
    auto c = read_counts(*db);
    REQUIRE(c.ok());
    return *c;
}

void fill(Store& store) {
    int n = 0;
    auto id = [&] { return "m" + std::to_string(++n); };
    for (int i = 0; i < 5; ++i) {
        store.record(request("wk-a"), {event("track", "u1", id()), event("identify", "u1", id())});
        store.record(request("wk-b"), {event("page", "u2", id())});
    }
    store.record(request("wk-b", 401), {});
    store.record(request("wk-c", 429), {});
    store.record(request("", 404), {});
    store.record(request("wk-c"), {event("track", "u3", id()), event("track", "u3", id())});
}

} // namespace

TEST_CASE("counts equal a scan after inserts, refusals and resets", "[store][counts]") {
    TempDir dir;
    const std::string path = dir.path / "counts.db";
    auto store = open_store(path);
    fill(*store);
    check_same(kept(path), scanned(path));
    const StoreStats stats = *store->stats();
    CHECK(stats.events == 17);
    CHECK(stats.requests == 14);
    CHECK(stats.events_by_type.at("track") == 7);
    CHECK(stats.requests_by_status.at(200) == 11);
    CHECK(stats.requests_by_status.at(429) == 1);
    CHECK(stats.events_by_write_key.at("wk-b") == 5);

    REQUIRE(store->reset(std::string("wk-b")).ok());
    check_same(kept(path), scanned(path));
    CHECK(store->stats()->events_by_write_key.count("wk-b") == 0);
    CHECK(store->stats()->events_by_type.count("page") == 0); // only wk-b sent pages

    fill(*store); // the same keys again after a reset by key
    check_same(kept(path), scanned(path));

    REQUIRE(store->reset(std::nullopt).ok());
    check_same(kept(path), scanned(path));
    CHECK(store->stats()->events == 0);
    CHECK(store->stats()->requests_by_status.empty());
}

TEST_CASE("counts follow a --max-events trim and survive a restart", "[store][counts]") {
    TempDir dir;
    const std::string path = dir.path / "trim.db";
    {
        auto store = open_store(path, 6);
        fill(*store);
        check_same(kept(path), scanned(path));
        CHECK(store->stats()->events == 6);
    }
    auto again = open_store(path, 6); // the trim limit counts from the kept total
    check_same(kept(path), scanned(path));
    again->record(request("wk-d"), {event("alias", "u9", "x1")});
    check_same(kept(path), scanned(path));
    CHECK(again->stats()->events == 6);
    CHECK(again->stats()->events_by_type.at("alias") == 1);
}

TEST_CASE("a database made before the counts gets them filled by the migration",
          "[store][counts]") {
    TempDir dir;
    const std::string path = dir.path / "old.db";
    {
        auto store = open_store(path);
        fill(*store);
    }
    {
        // Back to schema 6: what an older ruddermock left.
        auto db = sql::Database::open(path, false);
        REQUIRE(db.ok());
        REQUIRE(db->exec(rm::test::k_undo_schema_9).ok());
        REQUIRE(db->exec("DROP TABLE counts; PRAGMA user_version = 6").ok());
        auto c = read_counts(*db); // no table: computed by a scan
        REQUIRE(c.ok());
        check_same(*c, scanned(path));
    }
    auto store = open_store(path);
    check_same(kept(path), scanned(path));
    CHECK(store->stats()->events == 17);
}
