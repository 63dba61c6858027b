// The messageId index's stored Bloom filters (message_blooms.hpp): start-up reads them instead of
// every entry, so they must hold every indexed key whatever happened before it: a crash or a
// rollback in any transaction, a full reset, a database from before they were stored.
#include "storage/message_index.hpp"
#include "storage/schema.hpp"
#include "storage/store.hpp"
#include "support/store_records.hpp"

#include <catch2/catch.hpp>
#include <map>

using namespace rm;
using rm::test::event;
using rm::test::request;
using rm::test::TempDir;

namespace {

int64_t query_int(sql::Database& db, const std::string& sql) {
    auto stmt = db.prepare(sql);
    REQUIRE(stmt.ok());
    auto row = stmt->step();
    REQUIRE(row.ok());
    REQUIRE(*row);
    return stmt->column_int(0);
}

// A MessageIndex on its own database, driven the way the store's writer drives it: one
// transaction per step, each inserting events and indexing their first occurrences.
struct Writer {
    sql::Database db;
    MessageIndex index{4};                 // segments of 4 entries, blocks of 2, 1 block per commit
    std::map<std::string, int64_t> firsts; // committed first occurrences

    explicit Writer(const std::string& path) {
        auto opened = sql::Database::open(path, false);
        REQUIRE(opened.ok());
        db = std::move(*opened);
        REQUIRE(db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF").ok());
        REQUIRE(sql::migrate(db).ok());
        REQUIRE(index.open(db).ok());
    }

    std::optional<int64_t> find(const std::string& id) {
        auto found = index.find_first(message_key(id), "wk", id);
        REQUIRE(found.ok());
        return *found;
    }

    // Step n: three new messageIds and a repeat of an older one. commit = false leaves the
    // transaction open, as a crash would (the caller closes the database or rolls back).
    void step(int n, bool commit = true) {
        REQUIRE(db.exec("BEGIN IMMEDIATE").ok());
        std::map<std::string, int64_t> added;
        for (int i = 0; i < 4; ++i) {
            const std::string id = i < 3 ? "s" + std::to_string(n) + "-" + std::to_string(i)
                                         : "s" + std::to_string(n / 2) + "-1";
            auto insert = db.prepare("INSERT INTO events (request_id, received_ms, received_at, "
                                     "write_key, message_id, payload) VALUES (1, 0, '', 'wk', ?, "
                                     "'{}')");
            REQUIRE(insert.ok());
            insert->bind(1, id);
            REQUIRE(insert->run().ok());
            const int64_t event_id = db.last_insert_id();
            auto first = find(id);
            if (i == 3 && firsts.count(id)) {
                CHECK(first == std::optional<int64_t>(firsts.at(id))); // a repeat, found
            }
            if (!first) {
                index.add_first(message_key(id), event_id);
                added[id] = event_id;
            }
        }
        REQUIRE(index.before_commit().ok());
        if (commit) {
            REQUIRE(db.exec("COMMIT").ok());
            firsts.insert(added.begin(), added.end());
        }
    }

    // Every committed first occurrence is found; nothing else is.
    void check_all_found(int uncommitted_step) {
        for (const auto& [id, event_id] : firsts) {
            CHECK(find(id) == std::optional<int64_t>(event_id));
        }
        for (int i = 0; i < 3; ++i) {
            const std::string id = "s" + std::to_string(uncommitted_step) + "-" + std::to_string(i);
            if (!firsts.count(id)) { // (a later step may have sent it again)
                CHECK_FALSE(find(id));
            }
        }
    }

    // Every segment in level 1 has its stored filter (the open stores those it rebuilt).
    void check_filters_stored() {
        CHECK(query_int(db, "SELECT COUNT(DISTINCT segment) FROM message_ids") ==
              query_int(db, "SELECT COUNT(*) FROM message_blooms"));
    }
};

std::unique_ptr<Store> open_store(const std::string& path) {
    StoreOptions options;
    options.path = path;
    options.message_segment_size = 4;
    auto s = Store::open(options);
    REQUIRE(s.ok());
    return std::move(*s);
}

std::optional<int64_t> record_and_link(Store& store, const std::string& id) {
    REQUIRE(store.record(request("wk"), {event("track", "u", id)}).ok());
    EventFilter f;
    f.descending = true;
    f.limit = 1;
    auto events = store.events(f);
    REQUIRE(events.ok());
    REQUIRE(events->size() == 1);
    return events->front().duplicate_of;
}

int64_t first_id(Store& store, const std::string& id) {
    EventFilter f;
    f.message_id = id;
    auto events = store.events(f);
    REQUIRE(events.ok());
    REQUIRE_FALSE(events->empty());
    return events->front().id;
}

} // namespace

TEST_CASE("the global filter says maybe to under 1% of new messageIds once 10M are in",
          "[message_index][blooms]") {
    // Every "maybe" costs a look at each segment's filter and reads of ~3 blocks at 10M: the
    // 8 MiB filter of schema 9 said it to 4.8% of new keys, and the writer took 21 us per event
    // instead of 12. Keys as message_key() makes them: hashes, here of counters.
    BloomFilter bloom;
    for (int i = 0; i < 10'000'000; ++i) {
        bloom.add(message_key("m-" + std::to_string(i)));
    }
    int maybe = 0;
    for (int i = 0; i < 200'000; ++i) {
        maybe += bloom.maybe_contains(message_key("new-" + std::to_string(i))) ? 1 : 0;
    }
    CHECK(maybe < 2'000);
}

TEST_CASE("the upgrade to schema 10 drops the global filter's chunks of the old size",
          "[message_index][blooms]") {
    TempDir dir;
    auto db = sql::Database::open((dir.path / "m.db").string(), false);
    REQUIRE(db.ok());
    REQUIRE(sql::migrate(*db, 9).ok());
    REQUIRE(db->exec("INSERT INTO message_bloom_chunks (chunk, covers, bits) VALUES (0, 1, "
                     "zeroblob(65536))")
                .ok());
    REQUIRE(sql::migrate(*db).ok());
    CHECK(query_int(*db, "SELECT COUNT(*) FROM message_bloom_chunks") == 0);
    CHECK(query_int(*db, "PRAGMA user_version") == sql::current_schema_version());
}

TEST_CASE("a Bloom filter stored as bytes reads back the same", "[message_index][blooms]") {
    BloomFilter bloom(5000);
    for (int i = 0; i < 400; ++i) {
        bloom.add(message_key("k-" + std::to_string(i)));
    }
    const BloomFilter back = BloomFilter::from_bytes(bloom.bytes(0, bloom.byte_size()));
    REQUIRE(back.byte_size() == bloom.byte_size());
    for (int i = 0; i < 400; ++i) {
        CHECK(back.maybe_contains(message_key("k-" + std::to_string(i))));
    }
    CHECK(back.bytes(0, back.byte_size()) == bloom.bytes(0, bloom.byte_size()));
    // Slices: ORed in where they came from; out of range or misaligned, refused.
    BloomFilter halves(5000);
    CHECK(halves.merge(0, bloom.bytes(0, 320)));
    CHECK(halves.merge(320, bloom.bytes(320, bloom.byte_size() - 320)));
    CHECK(halves.bytes(0, halves.byte_size()) == bloom.bytes(0, bloom.byte_size()));
    CHECK_FALSE(halves.merge(bloom.byte_size() - 8, std::string(16, '\0')));
    CHECK_FALSE(halves.merge(4, std::string(8, '\0')));
    CHECK(halves.bytes(bloom.byte_size(), 8).empty());
    CHECK(BloomFilter::from_bytes(std::string(100, '\0')).empty());
}

TEST_CASE("the writer stores each segment's filter and the global one's chunks",
          "[message_index][blooms]") {
    TempDir dir;
    Writer w((dir.path / "w.db").string());
    for (int n = 0; n < 240; ++n) {
        w.step(n);
    }
    // Each complete segment's filter (the last one may be being written still).
    const int64_t segments = query_int(w.db, "SELECT MAX(segment) + 1 FROM message_ids");
    CHECK(segments == 80);
    CHECK(query_int(w.db, "SELECT COUNT(*) FROM message_blooms") >= segments - 1);
    // All 256 chunks of 64 KiB are written, 2 per commit (of those that change level 1) once
    // 4 segments behind: a round takes 128 such commits or more, here up to ~56 segments (a
    // segment every 3 commits; with 65,536 entries a segment takes 16 commits or more).
    const int64_t chunks = BloomFilter::k_default_bits / 8 / StoredBlooms::k_chunk_bytes;
    CHECK(chunks == 256);
    CHECK(query_int(w.db, "SELECT COUNT(*) FROM message_bloom_chunks") == chunks);
    CHECK(query_int(w.db, "SELECT MIN(LENGTH(bits)) FROM message_bloom_chunks") == 65536);
    CHECK(query_int(w.db, "SELECT MIN(covers) FROM message_bloom_chunks") >= segments - 60);
    CHECK(query_int(w.db, "SELECT MAX(covers) FROM message_bloom_chunks") == segments);
    // A new index reads them: every first occurrence is found.
    MessageIndex again(4);
    REQUIRE(again.open(w.db).ok());
    for (const auto& [id, event_id] : w.firsts) {
        auto found = again.find_first(message_key(id), "wk", id);
        REQUIRE(found.ok());
        CHECK(*found == std::optional<int64_t>(event_id));
    }
}

TEST_CASE("a crash in any transaction leaves filters that find every indexed messageId",
          "[message_index][blooms]") {
    // Sealing spans several commits here, so some crashes leave a segment half-written.
    for (int crash_at : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 21, 45, 70, 71, 90}) {
        CAPTURE(crash_at);
        TempDir dir;
        const std::string path = (dir.path / "c.db").string();
        std::map<std::string, int64_t> firsts;
        {
            Writer w(path);
            for (int n = 0; n < crash_at; ++n) {
                w.step(n);
            }
            w.step(crash_at, false); // kill -9 before the COMMIT: the database rolls it back
            firsts = w.firsts;
        }
        Writer w(path);
        w.firsts = firsts;
        w.check_all_found(crash_at);
        w.check_filters_stored();
        for (int n = crash_at + 1; n < crash_at + 12; ++n) {
            w.step(n);
        }
        w.check_all_found(crash_at);
    }
}

TEST_CASE("after a rolled-back transaction the reloaded filters find every indexed messageId",
          "[message_index][blooms]") {
    for (int fail_at = 1; fail_at < 40; fail_at += 3) {
        CAPTURE(fail_at);
        TempDir dir;
        Writer w((dir.path / "r.db").string());
        for (int n = 0; n < fail_at; ++n) {
            w.step(n);
        }
        w.step(fail_at, false);
        REQUIRE(w.db.exec("ROLLBACK").ok());
        REQUIRE(w.index.reload().ok()); // what the store's writer does after a ROLLBACK
        w.check_all_found(fail_at);
        for (int n = fail_at + 1; n < fail_at + 20; ++n) {
            w.step(n);
        }
        w.check_all_found(fail_at);
    }
}

TEST_CASE("a full reset drops the stored filters with the entries", "[message_index][blooms]") {
    TempDir dir;
    const std::string path = (dir.path / "f.db").string();
    {
        Writer w(path);
        for (int n = 0; n < 100; ++n) { // every chunk stored, covering ~30 segments
            w.step(n);
        }
        REQUIRE(w.db.exec("BEGIN IMMEDIATE").ok());
        REQUIRE(w.index.clear().ok());
        REQUIRE(w.db.exec("DELETE FROM events").ok());
        REQUIRE(w.index.before_commit().ok());
        REQUIRE(w.db.exec("COMMIT").ok());
        CHECK(query_int(w.db, "SELECT COUNT(*) FROM message_bloom_chunks") == 0);
        CHECK(query_int(w.db, "SELECT COUNT(*) FROM message_blooms") == 0);
        w.firsts.clear();
        for (int n = 200; n < 206; ++n) { // a few segments: old chunks would claim to cover them
            w.step(n);
        }
        Writer again(path);
        again.firsts = w.firsts;
        again.check_all_found(0);
    }
}

TEST_CASE("repeats are linked after restarts, a full reset and an upgrade from schema 7",
          "[message_index][blooms]") {
    TempDir dir;
    const std::string path = (dir.path / "s.db").string();
    {
        auto store = open_store(path);
        for (int i = 0; i < 60; ++i) {
            REQUIRE(
                store->record(request("wk"), {event("track", "u", "m-" + std::to_string(i))}).ok());
        }
    }
    {
        auto store = open_store(path);
        for (int i = 0; i < 60; i += 7) {
            const std::string id = "m-" + std::to_string(i);
            CHECK(record_and_link(*store, id) == std::optional<int64_t>(first_id(*store, id)));
        }
        // A full reset forgets every messageId, stored filters included.
        REQUIRE(store->reset(std::nullopt).ok());
        for (int i = 0; i < 30; ++i) {
            CHECK_FALSE(record_and_link(*store, "m-" + std::to_string(i)).has_value());
        }
    }
    {
        auto db = sql::Database::open(path, false);
        REQUIRE(db.ok());
        CHECK(query_int(*db, "SELECT COUNT(*) FROM message_blooms") > 0);
        CHECK(query_int(*db, "SELECT COUNT(*) FROM message_blooms WHERE segment >= (SELECT "
                             "MAX(segment) + 1 FROM message_ids)") == 0);
        // Back to schema 7: what an older ruddermock left (no stored filters).
        REQUIRE(db->exec(rm::test::k_undo_schema_9).ok());
        REQUIRE(db->exec("DROP TABLE message_blooms; DROP TABLE message_bloom_chunks; "
                         "PRAGMA user_version = 7")
                    .ok());
    }
    for (int restart = 0; restart < 2; ++restart) {
        auto store = open_store(path); // the first start after the upgrade stores the filters
        for (int i = restart; i < 30; i += 4) {
            const std::string id = "m-" + std::to_string(i);
            CHECK(record_and_link(*store, id) == std::optional<int64_t>(first_id(*store, id)));
        }
        // Sent before the reset only: new again.
        CHECK_FALSE(record_and_link(*store, "m-" + std::to_string(45 + restart)).has_value());
    }
    auto db = sql::Database::open(path, false);
    REQUIRE(db.ok());
    CHECK(query_int(*db, "SELECT COUNT(*) FROM message_blooms") >=
          query_int(*db, "SELECT COUNT(DISTINCT segment) FROM message_ids") - 1);
    CHECK(query_int(*db, "SELECT COUNT(*) FROM message_bloom_chunks") ==
          static_cast<int64_t>(BloomFilter::k_default_bits / 8 / StoredBlooms::k_chunk_bytes));
}

TEST_CASE("trims make the writer build a new global filter and every live messageId is found",
          "[message_index][blooms]") {
    // A 1 Mbit global filter (2 stored chunks), segments of 1024, ~4,100 live events: without a
    // new filter, the 150k messageIds sent would leave 37% of its bits set (5% false maybe).
    TempDir dir;
    const std::string path = (dir.path / "t.db").string();
    auto opened = sql::Database::open(path, false);
    REQUIRE(opened.ok());
    sql::Database db = std::move(*opened);
    REQUIRE(db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF").ok());
    REQUIRE(sql::migrate(db).ok());
    constexpr size_t bits = size_t{1} << 20;
    auto index = std::make_unique<MessageIndex>(1024, bits);
    REQUIRE(index->open(db).ok());
    auto insert = db.prepare("INSERT INTO events (request_id, received_ms, received_at, "
                             "write_key, message_id, payload) VALUES (1, 0, '', 'wk', ?, '{}')");
    auto trim = db.prepare("DELETE FROM events WHERE id < ?");
    REQUIRE(insert.ok());
    REQUIRE(trim.ok());
    int refreshes_seen = 0;
    bool reopened = false;
    int64_t last = 0;
    auto check_live = [&](MessageIndex& in) {
        for (int64_t id = last - 4000; id <= last; id += 37) {
            const std::string mid = "t-" + std::to_string(id);
            auto found = in.find_first(message_key(mid), "wk", mid);
            REQUIRE(found.ok());
            CAPTURE(id, last, in.refreshing());
            CHECK(found->value_or(-1) == id);
        }
    };
    for (int step = 0; step < 600; ++step) {
        REQUIRE(db.exec("BEGIN IMMEDIATE").ok());
        for (int i = 0; i < 256; ++i) {
            // Event ids are 1, 2, ...: messageId t-<id> (bound without a copy: kept alive).
            const std::string mid = "t-" + std::to_string(last + 1);
            insert->bind(1, mid);
            REQUIRE(insert->run().ok());
            last = db.last_insert_id();
            index->add_first(message_key(mid), last);
        }
        const int64_t oldest_kept = last - 4096;
        REQUIRE(trim->bind(1, oldest_kept).run().ok());
        REQUIRE(index->prune(oldest_kept).ok());
        REQUIRE(index->before_commit().ok());
        REQUIRE(db.exec("COMMIT").ok());
        if (index->refreshing()) {
            ++refreshes_seen;
            if (!reopened) { // a restart while the new filter is half built
                reopened = true;
                check_live(*index);
                index = std::make_unique<MessageIndex>(1024, bits);
                REQUIRE(index->open(db).ok());
                check_live(*index);
            }
        }
    }
    CHECK(refreshes_seen > 0);
    CHECK(index->global_fill() < 0.15);
    check_live(*index);
    MessageIndex again(1024, bits); // from the stored chunks
    REQUIRE(again.open(db).ok());
    check_live(again);
    CHECK(again.global_fill() < 0.2);
}
