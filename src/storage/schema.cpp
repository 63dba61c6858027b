#include "storage/schema.hpp"

#include "storage/counts.hpp"

#include "util/encoding.hpp"
#include "util/log.hpp"

#include <sqlite3.h>

#include <string>
#include <vector>

namespace rm::sql {

namespace {
// Each entry moves the schema from version i to i+1. Never edit a shipped entry: append.
const std::vector<const char*> k_migrations = {
    // 0 -> 1: the journal of requests and the accepted events.
    R"sql(
CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    received_ms INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL DEFAULT '',
    headers TEXT NOT NULL DEFAULT '{}',
    body BLOB,
    body_encoding TEXT NOT NULL DEFAULT '',
    status INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    response_body TEXT NOT NULL DEFAULT '',
    write_key TEXT NOT NULL DEFAULT '',
    peer TEXT NOT NULL DEFAULT '',
    duration_us INTEGER NOT NULL DEFAULT 0,
    event_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX requests_status ON requests(status);
CREATE INDEX requests_path ON requests(path);
CREATE INDEX requests_write_key ON requests(write_key);
CREATE INDEX requests_received_ms ON requests(received_ms);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    write_key TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT '',
    event TEXT NOT NULL DEFAULT '',
    user_id TEXT NOT NULL DEFAULT '',
    anonymous_id TEXT NOT NULL DEFAULT '',
    message_id TEXT NOT NULL DEFAULT '',
    lint TEXT NOT NULL DEFAULT '[]',
    duplicate_of INTEGER,
    payload TEXT NOT NULL
);
CREATE INDEX events_type ON events(type);
CREATE INDEX events_event ON events(event);
CREATE INDEX events_user_id ON events(user_id);
CREATE INDEX events_anonymous_id ON events(anonymous_id);
CREATE INDEX events_message_id ON events(write_key, message_id);
)sql",
    // 1 -> 2: messageIds move to an append-only index (see message_index.hpp): the random
    // inserts into events_message_id slowed ingestion down as the database grew. The index of
    // existing events is built when the store opens (MessageIndex::open).
    R"sql(
DROP INDEX events_message_id;
CREATE TABLE message_ids (
    segment INTEGER NOT NULL,
    first_hash INTEGER NOT NULL,
    entries BLOB NOT NULL,
    PRIMARY KEY (segment, first_hash)
) WITHOUT ROWID;
CREATE TABLE message_ids_recent (id INTEGER PRIMARY KEY, entries BLOB NOT NULL);
CREATE INDEX events_duplicate_of ON events(duplicate_of) WHERE duplicate_of IS NOT NULL;
)sql",
    // 2 -> 3: userId and anonymousId are indexed by their 64-bit key_hash (an integer compare
    // and ~1/3 of the index size for UUIDs; batches +5-8%). Queries check the text as well.
    R"sql(
ALTER TABLE events ADD COLUMN user_key INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN anonymous_key INTEGER NOT NULL DEFAULT 0;
UPDATE events SET user_key = rm_key_hash(user_id), anonymous_key = rm_key_hash(anonymous_id);
DROP INDEX events_user_id;
DROP INDEX events_anonymous_id;
CREATE INDEX events_user_key ON events(user_key);
CREATE INDEX events_anonymous_key ON events(anonymous_key);
)sql",
    // 3 -> 4: fewer B-trees touched per request (each dirtied page is written whole to the WAL
    // at every commit): the journal's status index keeps only unusual statuses (the queries
    // add "status <> 200"); path filters scan by id; events/s comes from the writer's counts.
    // Store bench, single-event requests: writer 21.7 -> 17.4 us per request.
    R"sql(
DROP INDEX requests_status;
DROP INDEX requests_path;
DROP INDEX requests_received_ms;
CREATE INDEX requests_status_unusual ON requests(status) WHERE status <> 200;
)sql",
    // 4 -> 5: fault injection and deliveries. The fault a request met (rare: a partial index);
    // the delivery it belongs to (write key + set of messageIds, hashed), kept even when its
    // events were not stored, with a covering index for the deliveries view and its summary.
    R"sql(
ALTER TABLE requests ADD COLUMN fault_rule TEXT;
ALTER TABLE requests ADD COLUMN fault TEXT;
ALTER TABLE requests ADD COLUMN delivery_key INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN message_ids TEXT NOT NULL DEFAULT '[]';
CREATE INDEX requests_fault_rule ON requests(fault_rule) WHERE fault_rule IS NOT NULL;
CREATE INDEX requests_delivery ON requests(delivery_key, status, write_key)
    WHERE delivery_key <> 0;
)sql",
    // 5 -> 6: tee mode (--forward). The requests still to relay, oldest first (a table so
    // they survive a restart; bounded by --forward-queue, so COUNT(*) stays cheap), and what
    // the upstream answered: NULL none yet / not forwarded, -1 dropped (queue full),
    // 0 no connection, else its HTTP status (store_forward.cpp).
    R"sql(
CREATE TABLE forward_queue (request_id INTEGER PRIMARY KEY);
ALTER TABLE requests ADD COLUMN forward_status INTEGER;
)sql",
    // 6 -> 7: counts per event type and write key, per request status and write key, kept
    // by the writer in the same transactions as the rows (counts.hpp); filled once here.
    k_counts_migration,
    // 7 -> 8: the messageId index's Bloom filters are stored (message_blooms.hpp), so start-up
    // reads them instead of every entry (10M events: 1.3-2.4 s -> 0.2 s). Filled by the first start
    // after the upgrade (MessageIndex::open).
    // (Dropped first: filters left by a database set back to schema 7 by hand may be stale.)
    R"sql(
DROP TABLE IF EXISTS message_blooms;
DROP TABLE IF EXISTS message_bloom_chunks;
CREATE TABLE message_blooms (segment INTEGER PRIMARY KEY, bits BLOB NOT NULL);
CREATE TABLE message_bloom_chunks (
    chunk INTEGER PRIMARY KEY,
    covers INTEGER NOT NULL,
    bits BLOB NOT NULL
);
)sql",
    // 8 -> 9: each attempt of a delivery names its first attempt (delivery_first; a first
    // attempt its own id), and the index is on that instead of the delivery_key hash, so it
    // grows at its end (delivery_index.hpp). Existing retries get theirs from the old index.
    R"sql(
ALTER TABLE requests ADD COLUMN delivery_first INTEGER;
UPDATE requests SET delivery_first = g.first
    FROM (SELECT delivery_key, MIN(id) AS first FROM requests WHERE delivery_key <> 0
          GROUP BY delivery_key) AS g
    WHERE requests.delivery_key <> 0 AND requests.delivery_key = g.delivery_key;
DROP INDEX requests_delivery;
CREATE INDEX requests_delivery ON requests(delivery_first, status, delivery_key, write_key)
    WHERE delivery_key <> 0;
)sql",
    // 9 -> 10: the global messageId filter doubles to 16 MiB (message_blooms.hpp): at 10M events
    // the 8 MiB one said "maybe" to 4.8% of new messageIds, each then looked up in the segments
    // (the writer's time per event at 10M: 21 -> 12 us). Chunks of the old size would land on
    // the wrong bits, so they go; the first start after the upgrade builds the filter from the
    // entries (10M events: ~1.4 s, once) and the writer stores it again.
    "DELETE FROM message_bloom_chunks;",
    // 10 -> 11: userId and anonymousId keys are indexed within buckets of 8,192 event ids
    // (query::keyed_events), so new events land in the newest bucket's few pages instead of
    // one page per distinct user: batches of 100 users dirtied ~100 pages of 16 KiB per commit
    // (written to the WAL, then copied into the file). The shift is in the queries too.
    R"sql(
DROP INDEX IF EXISTS events_user_key;
DROP INDEX IF EXISTS events_anonymous_key;
CREATE INDEX IF NOT EXISTS events_user_bucket ON events((id >> 13), user_key);
CREATE INDEX IF NOT EXISTS events_anonymous_bucket ON events((id >> 13), anonymous_key);
)sql",
};

Result<int> user_version(Database& db) {
    auto stmt = db.prepare("PRAGMA user_version");
    if (!stmt) {
        return stmt.error();
    }
    auto row = stmt->step();
    if (!row) {
        return row.error();
    }
    return static_cast<int>(stmt->column_int(0));
}
} // namespace

int current_schema_version() {
    return static_cast<int>(k_migrations.size());
}

namespace {
// rm_key_hash(text): key_hash for migrations that fill key columns.
Status register_functions(Database& db) {
    auto fn = [](sqlite3_context* ctx, int, sqlite3_value** argv) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
        auto size = static_cast<size_t>(sqlite3_value_bytes(argv[0]));
        sqlite3_result_int64(ctx, key_hash(std::string_view(text ? text : "", size)));
    };
    if (sqlite3_create_function_v2(db.handle(), "rm_key_hash", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, fn, nullptr,
                                   nullptr, nullptr) != SQLITE_OK) {
        return make_error("cannot register rm_key_hash: " + db.last_error());
    }
    return Ok{};
}
} // namespace

Status migrate(Database& db, int target) {
    if (auto st = register_functions(db); !st) {
        return st;
    }
    auto version = user_version(db);
    if (!version) {
        return version.error();
    }
    if (*version > current_schema_version()) {
        return make_error("the database has schema version " + std::to_string(*version) +
                          ", newer than this ruddermock knows (" +
                          std::to_string(current_schema_version()) +
                          "); use a newer ruddermock or another --db");
    }
    if (*version > 0 && *version < target) {
        // Some steps rebuild indexes over every event (schema 11: ~2 s per million events).
        log::info("upgrading the database from schema " + std::to_string(*version) + " to " +
                  std::to_string(target) + " (once; a large one takes a while)");
    }
    for (int v = *version; v < target; ++v) {
        std::string sql = "BEGIN IMMEDIATE;";
        sql += k_migrations[static_cast<size_t>(v)];
        sql += "PRAGMA user_version = " + std::to_string(v + 1) + ";COMMIT;";
        if (auto st = db.exec(sql); !st) {
            db.exec("ROLLBACK");
            return make_error("migration to schema " + std::to_string(v + 1) +
                              " failed: " + st.error().message);
        }
    }
    return Ok{};
}

} // namespace rm::sql
