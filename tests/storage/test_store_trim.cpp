// Bounded storage (store_trim.cpp): --max-db-mb, --retention and --max-events trim the oldest
// requests and events in small steps, keep the counts exact, and never leave an event without
// its request.
#include "storage/counts.hpp"
#include "storage/sqlite.hpp"
#include "storage/store.hpp"
#include "support/store_records.hpp"
#include "util/clock.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

using namespace rm;
using rm::test::event;
using rm::test::request;
using rm::test::TempDir;

namespace {
std::unique_ptr<Store> open_store(StoreOptions options) {
    auto s = Store::open(options);
    REQUIRE(s.ok());
    return std::move(*s);
}

int64_t scalar(const std::string& path, const char* sql) {
    auto db = sql::Database::open(path, true);
    REQUIRE(db.ok());
    auto st = db->prepare(sql);
    REQUIRE(st.ok());
    REQUIRE(*st->step());
    return st->column_int(0);
}

// The counts kept incrementally agree with a scan, and no event outlived its request.
void check_consistent(Store& store, const std::string& path) {
    auto stats = store.stats();
    REQUIRE(stats.ok());
    CHECK(stats->events == scalar(path, "SELECT COUNT(*) FROM events"));
    CHECK(stats->requests == scalar(path, "SELECT COUNT(*) FROM requests"));
    CHECK(scalar(path, "SELECT COUNT(*) FROM events WHERE request_id NOT IN (SELECT id FROM "
                       "requests)") == 0);
}

EventRecord padded(const std::string& id, size_t bytes) {
    EventRecord e = event("track", "u", id);
    e.payload_json =
        R"({"type":"track","messageId":")" + id + R"(","p":")" + std::string(bytes, 'x') + R"("})";
    return e;
}
} // namespace

TEST_CASE("a size limit keeps the file near its limit while ingest goes on", "[store][trim]") {
    TempDir dir;
    StoreOptions options;
    options.path = (dir.path / "bounded.db").string();
    options.max_db_bytes = 4 * 1024 * 1024;
    auto store = open_store(options);
    // 40 MB of events, ten times the limit, in batches of 10.
    int next = 0;
    for (int r = 0; r < 1000; ++r) {
        std::vector<EventRecord> batch;
        for (int i = 0; i < 10; ++i) {
            batch.push_back(padded("m" + std::to_string(next++), 4000));
        }
        auto req = request("wk");
        req.received_ms = now_ms();
        REQUIRE(store->record(req, std::move(batch)).ok());
    }
    const auto size = std::filesystem::file_size(options.path);
    INFO("file " << size << " bytes");
    CHECK(static_cast<int64_t>(size) <= options.max_db_bytes * 3 / 2);
    check_consistent(*store, options.path);
    auto newest = store->events({});
    REQUIRE(newest.ok());
    // The newest event is kept, the oldest went.
    CHECK(scalar(options.path, "SELECT MAX(id) FROM events") == next);
    CHECK(scalar(options.path, "SELECT MIN(id) FROM events") > 1000);
    const auto storage = store->stats()->storage;
    CHECK(storage.max_db_bytes == options.max_db_bytes);
    CHECK(storage.db_bytes == static_cast<int64_t>(size));
    CHECK(storage.trimmed_events == next - scalar(options.path, "SELECT COUNT(*) FROM events"));
    CHECK(storage.trimmed_requests == 1000 - scalar(options.path, "SELECT COUNT(*) FROM requests"));
}

TEST_CASE("a retention trims what is older - the rest stays", "[store][trim]") {
    TempDir dir;
    StoreOptions options;
    options.path = (dir.path / "retained.db").string();
    options.retention_ms = 24 * 3600 * 1000;
    auto store = open_store(options);
    const int64_t old_ms = now_ms() - 2 * 24 * 3600 * 1000;
    {
        // A database filled before the flag: 2,500 events two days old, in 25 requests.
        StoreOptions plain = options;
        plain.retention_ms = 0;
        store.reset();
        auto filler = open_store(plain);
        for (int r = 0; r < 25; ++r) {
            std::vector<EventRecord> batch;
            for (int i = 0; i < 100; ++i) {
                batch.push_back(event("track", "u", "old-" + std::to_string(r * 100 + i)));
            }
            auto req = request("wk");
            req.received_ms = old_ms;
            REQUIRE(filler->record(req, std::move(batch)).ok());
        }
        auto refused = request("wk", 401); // a request without events, as old
        refused.received_ms = old_ms;
        REQUIRE(filler->record(refused, {}).ok());
    }
    store = open_store(options);
    // Each new commit takes a step of at most 1,000 rows of each table off the backlog.
    for (int i = 0; i < 5; ++i) {
        auto req = request("wk");
        req.received_ms = now_ms();
        REQUIRE(store->record(req, {event("track", "u", "new-" + std::to_string(i))}).ok());
    }
    check_consistent(*store, options.path);
    CHECK(scalar(options.path, "SELECT COUNT(*) FROM events") == 5);
    CHECK(scalar(options.path, "SELECT COUNT(*) FROM requests") == 5);
    CHECK(scalar(options.path, "SELECT MIN(received_ms) FROM requests") > old_ms);
}

TEST_CASE("max events also trims the requests older than the oldest kept event", "[store][trim]") {
    // Before: the journal kept every request (and its body) while events were trimmed, so the
    // file grew without bound under --max-events.
    TempDir dir;
    StoreOptions options;
    options.path = (dir.path / "counted.db").string();
    options.max_events = 3;
    auto store = open_store(options);
    for (int i = 0; i < 6; ++i) {
        REQUIRE(store->record(request("wk"), {event("track", "u", std::to_string(i))}).ok());
        REQUIRE(store->record(request("wk", 401), {}).ok()); // refused: no events
    }
    // A batch: the oldest kept event's request stays even when some of its events go.
    REQUIRE(
        store->record(request("wk"), {event("track", "u", "b1"), event("track", "u", "b2")}).ok());
    check_consistent(*store, options.path);
    auto events = store->events({});
    REQUIRE(events.ok());
    REQUIRE(events->size() == 3);
    CHECK(events->front().message_id == "5");
    // The requests of events 5, b1 and b2, plus the refused one between them.
    CHECK(scalar(options.path, "SELECT COUNT(*) FROM requests") == 3);
}

TEST_CASE("trims shrink the messageId index - repeats of kept events are still found",
          "[store][trim][message_index]") {
    // Before: the index kept 16 bytes for every event ever stored, so under a size limit it
    // grew until it alone filled the file and every event was trimmed.
    TempDir dir;
    StoreOptions options;
    options.path = (dir.path / "index.db").string();
    options.max_events = 200;
    options.message_segment_size = 64;
    auto store = open_store(options);
    for (int i = 0; i < 5000; ++i) {
        REQUIRE(store->record(request("wk"), {event("track", "u", "id-" + std::to_string(i))}));
    }
    check_consistent(*store, options.path);
    const int64_t segments =
        scalar(options.path, "SELECT COUNT(DISTINCT segment) FROM message_ids");
    INFO(segments << " segments left of ~78");
    CHECK(segments <= 200 / 64 + 3);
    CHECK(scalar(options.path, "SELECT COUNT(*) FROM message_blooms") <= segments);
    auto repeat_of = [&](Store& s, const std::string& id) {
        REQUIRE(s.record(request("wk"), {event("track", "u", id)}));
        EventFilter newest;
        newest.descending = true;
        newest.limit = 1;
        auto e = s.events(newest);
        REQUIRE((e.ok() && e->size() == 1));
        return e->front().duplicate_of;
    };
    for (int round = 0; round < 2; ++round) {
        CHECK(repeat_of(*store, "id-4900").has_value()); // kept: a repeat
        CHECK_FALSE(repeat_of(*store, "id-" + std::to_string(10 + round)).has_value()); // trimmed
        store.reset();
        store = open_store(options); // and the same after a restart
    }
}
