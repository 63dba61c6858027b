#include "storage/message_index.hpp"
#include "storage/schema.hpp"
#include "storage/store.hpp"
#include "support/store_records.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace rm;
using rm::test::event;
using rm::test::request;
using rm::test::TempDir;

namespace {
std::unique_ptr<Store> open_store(const std::string& path, int64_t segment_size) {
    StoreOptions options;
    options.path = path;
    options.message_segment_size = segment_size;
    auto s = Store::open(options);
    REQUIRE(s.ok());
    return std::move(*s);
}

std::vector<StoredEvent> by_message_id(Store& store, const std::string& id,
                                       const std::string& write_key = "") {
    EventFilter f;
    f.message_id = id;
    f.write_key = write_key;
    auto events = store.events(f);
    REQUIRE(events.ok());
    return *events;
}

std::optional<int64_t> duplicate_of_last(Store& store) {
    EventFilter f;
    f.descending = true;
    f.limit = 1;
    auto events = store.events(f);
    REQUIRE(events.ok());
    REQUIRE(events->size() == 1);
    return events->front().duplicate_of;
}
} // namespace

TEST_CASE("message keys are stable and spread", "[message_index]") {
    CHECK(message_key("abc") == message_key("abc"));
    std::set<int64_t> keys;
    for (int i = 0; i < 10000; ++i) {
        keys.insert(message_key("m-" + std::to_string(i)));
    }
    CHECK(keys.size() == 10000);
    CHECK(message_key("a") != message_key("b"));
}

TEST_CASE("the Bloom filter never forgets and rarely says maybe", "[message_index]") {
    BloomFilter bloom;
    for (int i = 0; i < 200000; ++i) {
        bloom.add(message_key("in-" + std::to_string(i)));
    }
    int forgotten = 0;
    for (int i = 0; i < 200000; ++i) {
        forgotten += bloom.maybe_contains(message_key("in-" + std::to_string(i))) ? 0 : 1;
    }
    CHECK(forgotten == 0);
    int maybe = 0;
    for (int i = 0; i < 200000; ++i) {
        maybe += bloom.maybe_contains(message_key("out-" + std::to_string(i))) ? 1 : 0;
    }
    CHECK(maybe < 200); // 0.1%; the expected rate at 200k keys is far lower
    bloom.clear();
    CHECK_FALSE(bloom.maybe_contains(message_key("in-1")));
}

TEST_CASE("repeats are found in both levels - across segments and restarts", "[message_index]") {
    TempDir dir;
    const std::string path = (dir.path / "m.db").string();
    std::map<std::string, int64_t> first;
    {
        auto store = open_store(path, 4); // a segment per 4 new messageIds
        for (int i = 0; i < 10; ++i) {
            auto id = "m-" + std::to_string(i);
            REQUIRE(store->record(request("wk"), {event("track", "u", id)}).ok());
            first[id] = by_message_id(*store, id).at(0).id;
        }
        // m-0 is in the sorted level by now, m-9 still in the recent one.
        for (const char* id : {"m-0", "m-9"}) {
            REQUIRE(store->record(request("wk"), {event("track", "u", id)}).ok());
            CHECK(duplicate_of_last(*store) == std::optional<int64_t>(first[id]));
        }
        // Same messageId, other write key: its own first occurrence.
        REQUIRE(store->record(request("wk-b"), {event("track", "u", "m-0")}).ok());
        CHECK_FALSE(duplicate_of_last(*store).has_value());
        // A repeat inside one batch links to the event before it in that batch.
        REQUIRE(store
                    ->record(request("wk"),
                             {event("track", "u", "fresh"), event("track", "u", "fresh")})
                    .ok());
        CHECK(duplicate_of_last(*store) ==
              std::optional<int64_t>(by_message_id(*store, "fresh").at(0).id));
    }
    auto store = open_store(path, 4);
    for (const char* id : {"m-1", "m-8", "fresh"}) {
        REQUIRE(store->record(request("wk"), {event("track", "u", id)}).ok());
        auto expected = by_message_id(*store, id, "wk").at(0).id;
        CHECK(duplicate_of_last(*store) == std::optional<int64_t>(expected));
    }
    // The messageId filter: the first occurrence and its repeats, any write key.
    auto m0 = by_message_id(*store, "m-0");
    REQUIRE(m0.size() == 3);
    CHECK(m0[0].id == first["m-0"]);
    CHECK(m0[1].duplicate_of == std::optional<int64_t>(first["m-0"]));
    CHECK(m0[2].write_key == "wk-b");
    CHECK(by_message_id(*store, "m-0", "wk-b").size() == 1);
    CHECK(by_message_id(*store, "m-5").size() == 1);
    CHECK(by_message_id(*store, "never").empty());
}

TEST_CASE("one messageId under many write keys - across blocks", "[message_index]") {
    TempDir dir;
    auto store = open_store((dir.path / "k.db").string(), 4); // blocks of 2 entries
    for (int i = 0; i < 9; ++i) {
        REQUIRE(store
                    ->record(request("wk-" + std::to_string(i)),
                             {event("track", "u", "shared"),
                              event("track", "u", "own-" + std::to_string(i))})
                    .ok());
    }
    for (int i : {0, 4, 8}) {
        const std::string key = "wk-" + std::to_string(i);
        REQUIRE(store->record(request(key), {event("track", "u", "shared")}).ok());
        auto expected = by_message_id(*store, "shared", key).at(0).id;
        CHECK(duplicate_of_last(*store) == std::optional<int64_t>(expected));
    }
    CHECK(by_message_id(*store, "shared").size() == 12);
    CHECK(by_message_id(*store, "own-3").size() == 1);
}

TEST_CASE("entries of deleted events are never reported", "[message_index]") {
    TempDir dir;
    auto store = open_store((dir.path / "d.db").string(), 4);
    REQUIRE(store->record(request("wk-a"), {event("track", "u", "x")}).ok());
    REQUIRE(store->record(request("wk-a"), {event("track", "u", "x")}).ok());
    REQUIRE(store->record(request("wk-b"), {event("track", "u", "x")}).ok());
    REQUIRE(store->reset("wk-a").ok());
    CHECK(by_message_id(*store, "x").size() == 1);
    REQUIRE(store->record(request("wk-a"), {event("track", "u", "x")}).ok());
    CHECK_FALSE(duplicate_of_last(*store).has_value());
    CHECK(by_message_id(*store, "x", "wk-a").size() == 1);
    REQUIRE(store->reset(std::nullopt).ok());
    CHECK(by_message_id(*store, "x").empty());
    REQUIRE(store->record(request("wk-b"), {event("track", "u", "x")}).ok());
    CHECK_FALSE(duplicate_of_last(*store).has_value());
}

TEST_CASE("a schema-1 database is upgraded - indexes and keys filled in", "[message_index]") {
    TempDir dir;
    const std::string path = (dir.path / "v1.db").string();
    {
        auto db = sql::Database::open(path, false);
        REQUIRE(db.ok());
        REQUIRE(sql::migrate(*db, 1).ok());
        REQUIRE(db->exec("INSERT INTO events (id, request_id, received_ms, received_at, write_key, "
                         "user_id, anonymous_id, message_id, duplicate_of, payload) VALUES "
                         "(1, 1, 0, '', 'wk', 'u1', 'a1', 'old', NULL, '{}'),"
                         "(2, 1, 0, '', 'wk', 'u1', 'a2', 'old', 1, '{}'),"
                         "(3, 1, 0, '', 'wk', 'u2', 'a2', 'other', NULL, '{}')")
                    .ok());
    }
    auto store = open_store(path, 4);
    auto old = by_message_id(*store, "old");
    REQUIRE(old.size() == 2);
    CHECK(old[0].id == 1);
    CHECK(old[1].id == 2);
    REQUIRE(store->record(request("wk"), {event("track", "u", "other")}).ok());
    CHECK(duplicate_of_last(*store) == std::optional<int64_t>(3));
    // Schema 3: the userId and anonymousId keys were filled in.
    EventFilter by_user;
    by_user.user_id = "u1";
    CHECK(store->events(by_user)->size() == 2);
    EventFilter by_anonymous;
    by_anonymous.anonymous_id = "a2";
    CHECK(store->events(by_anonymous)->size() == 2);
}

TEST_CASE("a repeat of a recent messageId reads no segment however many there are",
          "[message_index]") {
    // Over 20 complete segments of 256 entries and level 0 the newest; lookups go newest first.
    TempDir dir;
    auto opened = sql::Database::open((dir.path / "r.db").string(), false);
    REQUIRE(opened.ok());
    sql::Database db = std::move(*opened);
    REQUIRE(db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF").ok());
    REQUIRE(sql::migrate(db).ok());
    MessageIndex index(256);
    REQUIRE(index.open(db).ok());
    auto insert = db.prepare("INSERT INTO events (request_id, received_ms, received_at, "
                             "write_key, message_id, payload) VALUES (1, 0, '', 'wk', ?, '{}')");
    REQUIRE(insert.ok());
    int64_t last = 0;
    for (int step = 0; step < 42; ++step) {
        REQUIRE(db.exec("BEGIN IMMEDIATE").ok());
        for (int i = 0; i < 256; ++i) {
            const std::string mid = "r-" + std::to_string(last + 1); // kept alive while bound
            insert->bind(1, mid);
            REQUIRE(insert->run().ok());
            last = db.last_insert_id();
            index.add_first(message_key(mid), last);
        }
        REQUIRE(index.before_commit().ok());
        REQUIRE(db.exec("COMMIT").ok());
    }
    auto find = [&](int64_t id) {
        const std::string mid = "r-" + std::to_string(id);
        auto found = index.find_first(message_key(mid), "wk", mid);
        REQUIRE(found.ok());
        return found->value_or(-1);
    };
    auto before = index.lookups();
    CHECK(find(last) == last); // level 0
    CHECK(index.lookups().filters_checked == before.filters_checked);
    CHECK(index.lookups().blocks_read == before.blocks_read);
    before = index.lookups();
    CHECK(find(1) == 1); // the oldest segment: every newer filter is asked on the way
    auto segments = db.prepare("SELECT COUNT(DISTINCT segment) FROM message_ids");
    REQUIRE(segments.ok());
    auto row = segments->step();
    REQUIRE((row.ok() && *row));
    const auto complete = static_cast<uint64_t>(segments->column_int(0)) - 1;
    CHECK(complete >= 20);
    CHECK(index.lookups().filters_checked - before.filters_checked >= complete);
    CHECK(index.lookups().blocks_read - before.blocks_read >= 1);
    // A messageId never sent under this write key but in the filters' way is still reported
    // as new, and a repeat under another write key is not one of wk's.
    auto other = index.find_first(message_key("r-5"), "wk-other", "r-5");
    REQUIRE(other.ok());
    CHECK_FALSE(other->has_value());
}

TEST_CASE("sealed blocks fit in their rows - no overflow pages", "[message_index]") {
    // With the default segment size a block must fit in a row of a 16 KiB page; a block one
    // entry too large spills into an overflow page of its own, mostly unused.
    TempDir dir;
    const std::string path = (dir.path / "b.db").string();
    {
        auto store = open_store(path, 65536);
        int64_t n = 0;
        for (int r = 0; r < 120; ++r) {
            std::vector<EventRecord> events;
            for (int i = 0; i < 700; ++i) {
                events.push_back(event("track", "u", "b-" + std::to_string(n++)));
            }
            REQUIRE(store->record(request("wk"), std::move(events)).ok());
        }
    }
    auto opened = sql::Database::open(path, true);
    REQUIRE(opened.ok());
    auto count = [&](const char* sql) {
        auto stmt = opened->prepare(sql);
        REQUIRE(stmt.ok());
        auto row = stmt->step();
        REQUIRE((row.ok() && *row));
        return stmt->column_int(0);
    };
    CHECK(count("SELECT COUNT(*) FROM message_ids") >= 65536 / 256);
    CHECK(count("SELECT COUNT(*) FROM dbstat WHERE name = 'message_ids' AND "
                "pagetype = 'overflow'") == 0);
}
