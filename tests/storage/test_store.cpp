#include "query/filter.hpp"
#include "storage/schema.hpp"
#include "storage/sqlite.hpp"
#include "storage/store.hpp"
#include "support/store_records.hpp"
#include "util/clock.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <unistd.h>

using namespace rm;

using rm::test::event;
using rm::test::request;
using rm::test::TempDir;

namespace {
std::unique_ptr<Store> open_store(StoreOptions options = {}) {
    if (options.path == "ruddermock.db") {
        options.path = ":memory:";
    }
    auto s = Store::open(options);
    REQUIRE(s.ok());
    return std::move(*s);
}

} // namespace

TEST_CASE("recorded events are queryable at once - with filters", "[store]") {
    auto store = open_store();
    auto id =
        store->record(request("wk-a"), {event("track", "u1", "m1"), event("identify", "u2", "m2")});
    REQUIRE(id.ok());
    CHECK(*id == 1);
    store->record(request("wk-b"), {event("track", "u3", "m3")});
    EventFilter all;
    CHECK(store->events(all)->size() == 3);
    EventFilter by_type;
    by_type.type = "track";
    CHECK(store->events(by_type)->size() == 2);
    EventFilter by_key;
    by_key.write_key = "wk-b";
    REQUIRE(store->events(by_key)->size() == 1);
    CHECK(store->events(by_key)->at(0).user_id == "u3");
    EventFilter by_text;
    by_text.text = "\"u2\"";
    CHECK(store->events(by_text)->size() == 1);
    EventFilter since;
    since.since = 2;
    CHECK(store->events(since)->size() == 1);
    EventFilter desc;
    desc.descending = true;
    desc.limit = 1;
    CHECK(store->events(desc)->at(0).id == 3);
    CHECK(*store->count_events(by_type) == 2);
    CHECK(store->event_by_id(2)->value().message_id == "m2");
    CHECK_FALSE(store->event_by_id(99)->has_value());
}

TEST_CASE("a repeated messageId links to the first event of that write key", "[store]") {
    auto store = open_store();
    store->record(request("wk"), {event("track", "u", "same")});
    store->record(request("wk"), {event("track", "u", "same")});
    store->record(request("other"), {event("track", "u", "same")});
    auto events = *store->events({});
    REQUIRE(events.size() == 3);
    CHECK_FALSE(events[0].duplicate_of.has_value());
    REQUIRE(events[1].duplicate_of.has_value());
    CHECK(*events[1].duplicate_of == events[0].id);
    CHECK(events[1].lint_json.find("messageId seen before") != std::string::npos);
    CHECK_FALSE(events[2].duplicate_of.has_value());
}

TEST_CASE("reset removes everything or one write key", "[store]") {
    auto store = open_store();
    store->record(request("a"), {event("track", "u", "1")});
    store->record(request("b"), {event("track", "u", "2")});
    CHECK(*store->reset(std::string("a")) == 1);
    CHECK(store->events({})->size() == 1);
    CHECK(store->requests({})->size() == 1);
    CHECK(*store->reset(std::nullopt) == 1);
    CHECK(store->events({})->empty());
    CHECK(store->requests({})->empty());
}

TEST_CASE("max events keeps the newest", "[store]") {
    StoreOptions options;
    options.max_events = 3;
    auto store = open_store(options);
    for (int i = 0; i < 5; ++i) {
        store->record(request("wk"), {event("track", "u", std::to_string(i))});
    }
    auto events = *store->events({});
    REQUIRE(events.size() == 3);
    CHECK(events.front().message_id == "2");
    CHECK(events.back().message_id == "4");
}

TEST_CASE("the journal filters by status class - code - path and key", "[store]") {
    auto store = open_store();
    store->record(request("a", 200), {});
    store->record(request("a", 401), {});
    store->record(request("b", 413), {});
    RequestFilter f4;
    f4.status_class = 4;
    CHECK(store->requests(f4)->size() == 2);
    RequestFilter f401;
    f401.status = 401;
    CHECK(store->requests(f401)->size() == 1);
    RequestFilter fkey;
    fkey.write_key = "b";
    CHECK(store->requests(fkey)->at(0).record.status == 413);
    auto stats = *store->stats();
    CHECK(stats.requests == 3);
    CHECK(stats.requests_by_status[401] == 1);
}

TEST_CASE("the journal's status filters and counts cover 200s and other classes", "[store]") {
    // Schema 4 indexes only statuses other than 200: 200s are counted as the rest.
    auto store = open_store();
    for (int status : {200, 200, 200, 204, 400, 401, 401, 500, 503}) {
        store->record(request("k", status), {});
    }
    auto count = [&](int status, int status_class) {
        RequestFilter f;
        f.status = status;
        f.status_class = status_class;
        return store->requests(f)->size();
    };
    CHECK(count(200, 0) == 3);
    CHECK(count(204, 0) == 1);
    CHECK(count(401, 0) == 2);
    CHECK(count(404, 0) == 0);
    CHECK(count(0, 2) == 4);
    CHECK(count(0, 4) == 3);
    CHECK(count(0, 5) == 2);
    CHECK(count(401, 4) == 2);
    CHECK(count(401, 5) == 0);
    auto stats = *store->stats();
    CHECK(stats.requests == 9);
    CHECK(stats.requests_by_status ==
          std::map<int, int64_t>{{200, 3}, {204, 1}, {400, 1}, {401, 2}, {500, 1}, {503, 1}});
    store->reset(std::nullopt);
    CHECK(store->stats()->requests_by_status.empty());
}

TEST_CASE("events per second counts committed events of the last minute", "[store]") {
    auto store = open_store();
    auto now = request("k");
    now.received_ms = rm::now_ms();
    auto old = request("k");
    old.received_ms = rm::now_ms() - 120000; // outside the minute
    store->record(now, {event("track", "u", "1"), event("track", "u", "2")});
    store->record(now, {event("track", "u", "3")});
    store->record(old, {event("track", "u", "4")});
    auto late = request("k"); // 64 s ago: the ring slot of a current second, it must not reset it
    late.received_ms = now.received_ms - 64000;
    store->record(late, {event("track", "u", "5")});
    store->record(now, {}); // a rejected request: no events
    CHECK(store->stats()->events_per_second_last_minute == Approx(3.0 / 60));
    store->reset(std::string("other")); // one key: the rate is of the whole server
    CHECK(store->stats()->events_per_second_last_minute == Approx(3.0 / 60));
    store->reset(std::nullopt);
    CHECK(store->stats()->events_per_second_last_minute == 0);
}

TEST_CASE("data survives reopening - and the schema version is recorded", "[store]") {
    TempDir dir;
    StoreOptions options;
    options.path = (dir.path / "keep.db").string();
    {
        auto store = open_store(options);
        store->record(request("wk"), {event("track", "u", "persist")});
    }
    auto store = open_store(options);
    auto events = *store->events({});
    REQUIRE(events.size() == 1);
    CHECK(events[0].message_id == "persist");
    // Repeats are still recognised after a restart.
    store->record(request("wk"), {event("track", "u", "persist")});
    events = *store->events({});
    REQUIRE(events.size() == 2);
    CHECK(events[1].duplicate_of == std::optional<int64_t>(events[0].id));
    auto db = sql::Database::open(options.path, true);
    auto v = db->prepare("PRAGMA user_version");
    REQUIRE(v->step().value());
    CHECK(v->column_int(0) == sql::current_schema_version());
}

TEST_CASE("a database from a newer version is refused", "[store]") {
    TempDir dir;
    std::string path = (dir.path / "future.db").string();
    {
        auto db = sql::Database::open(path, false);
        REQUIRE(db->exec("PRAGMA user_version = 999").ok());
    }
    StoreOptions options;
    options.path = path;
    auto store = Store::open(options);
    REQUIRE_FALSE(store.ok());
    CHECK(store.error().message.find("newer") != std::string::npos);
}

TEST_CASE("many writers: every acknowledged event is stored", "[store][concurrency]") {
    auto store = open_store();
    constexpr int k_threads = 8;
    constexpr int k_each = 200;
    std::atomic<int> failures{0}; // Catch2 assertions are not thread-safe: count, check after
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < k_each; ++i) {
                std::string user = "u";
                user += std::to_string(t);
                auto r = store->record(request("wk"),
                                       {event("track", user, std::to_string(t * 1000 + i))});
                if (!r.ok()) {
                    failures.fetch_add(1);
                }
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    CHECK(failures.load() == 0);
    CHECK(*store->count_events({}) == k_threads * k_each);
    CHECK(store->generation() > 0);
}

TEST_CASE("wait_for_change wakes on commit and times out otherwise", "[store]") {
    auto store = open_store();
    uint64_t seen = store->generation();
    auto start = std::chrono::steady_clock::now();
    CHECK(store->wait_for_change(seen, start + std::chrono::milliseconds(50)) == seen);
    std::thread writer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        store->record(request("wk"), {event("track", "u", "x")});
    });
    uint64_t now = store->wait_for_change(seen, start + std::chrono::seconds(10));
    writer.join();
    CHECK(now != seen);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("large journal bodies are kept compressed and read back plain", "[store]") {
    auto store = open_store();
    RequestRecord big = request("wk");
    big.body = "{\"batch\":[";
    for (int i = 0; i < 500; ++i) {
        big.body += R"({"type":"track","userId":"u)" + std::to_string(i) + R"("},)";
    }
    big.body += "{}]}";
    const std::string sent = big.body;
    store->record(big, {});
    RequestRecord small = request("wk");
    small.body = "{\"tiny\":true}";
    store->record(small, {});
    auto rows = *store->requests({});
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].record.body == sent);
    CHECK(rows[1].record.body == "{\"tiny\":true}");
}

TEST_CASE("user and anonymous filters find events across id buckets - newest first", "[store]") {
    // The key indexes are per bucket of 8,192 event ids (schema 11): 30,002 events span four.
    TempDir dir;
    const std::string path = (dir.path / "k.db").string();
    StoreOptions options;
    options.path = path;
    auto store = open_store(options);
    auto with_anon = [](EventRecord e, const std::string& anon) {
        e.anonymous_id = anon;
        return e;
    };
    auto count = [&](const EventFilter& f) {
        auto n = store->count_events(f);
        REQUIRE(n.ok());
        return *n;
    };
    REQUIRE(store->record(request("wk"), {with_anon(event("track", "rare", "r1"), "dev-1")}).ok());
    int n = 0;
    for (int r = 0; r < 3; ++r) {
        std::vector<EventRecord> events;
        for (int i = 0; i < 10000; ++i, ++n) {
            events.push_back(event("track", "u" + std::to_string(n % 3), "m" + std::to_string(n)));
        }
        REQUIRE(store->record(request("wk"), std::move(events)).ok());
    }
    REQUIRE(store->record(request("wk"), {with_anon(event("track", "rare", "r2"), "dev-2")}).ok());

    EventFilter rare;
    rare.user_id = "rare";
    rare.descending = true;
    auto found = store->events(rare);
    REQUIRE(found.ok());
    REQUIRE(found->size() == 2);
    CHECK(found->at(0).message_id == "r2");
    CHECK(found->at(1).message_id == "r1");
    EventFilter u1;
    u1.expression = "user:u1";
    CHECK(count(u1) == 10000);
    u1.descending = true;
    u1.limit = 3;
    auto newest = store->events(u1);
    REQUIRE((newest.ok() && newest->size() == 3));
    CHECK(newest->at(0).id > newest->at(1).id);
    CHECK(newest->at(0).id >= 30000); // from the newest bucket
    EventFilter device;
    device.anonymous_id = "dev-1";
    CHECK(count(device) == 1);
    device.anonymous_id = "";
    device.expression = "anon:dev-1,dev-2 -user:u0";
    CHECK(count(device) == 2);

    // The query seeks the bucketed index and needs no sort for newest first.
    auto db = sql::Database::open(path, true);
    REQUIRE(db.ok());
    for (const char* column : {"user_key", "anonymous_key"}) {
        INFO(column);
        auto plan = db->prepare("EXPLAIN QUERY PLAN SELECT e.id FROM events AS e WHERE " +
                                query::keyed_events(column, 1) + " ORDER BY e.id DESC LIMIT 5");
        REQUIRE(plan.ok());
        plan->bind(1, int64_t{42});
        std::string text;
        for (auto row = plan->step(); row.ok() && *row; row = plan->step()) {
            text += plan->column_text(3) + "\n";
        }
        CHECK(text.find(std::string("COVERING INDEX events_") +
                        (column == std::string("user_key") ? "user" : "anonymous") + "_bucket") !=
              std::string::npos);
        CHECK(text.find("TEMP B-TREE") == std::string::npos);
    }
}
