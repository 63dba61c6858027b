// Counts kept incrementally (schema 7): the table `counts (kind, key, n)` holds how many events
// there are per type and per write key, and how many requests per status and per write key.
// The writer thread updates it in the same transaction as the rows it counts (inserts, resets,
// trims by --max-events, --max-db-mb and --retention), so a reader's snapshot always agrees with
// the tables, the numbers survive restarts, and totals cost a read of a few rows instead of a scan
// of the database.
//
// Threads: CountDeltas belongs to the writer thread (store_impl.hpp); read_counts() runs on
// any connection, each used by one thread at a time (sqlite.hpp).
#pragma once

#include "storage/sqlite.hpp"
#include "util/result.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

namespace rm {

struct Counts {
    int64_t events = 0;
    int64_t requests = 0;
    std::map<std::string, int64_t> events_by_type;
    std::map<std::string, int64_t> events_by_write_key;
    std::map<int, int64_t> requests_by_status;
    std::map<std::string, int64_t> requests_by_write_key;
};

// The counts as of the connection's current snapshot (call inside a transaction to have them
// agree with other reads). A database older than schema 7 (opened read-only by --open or
// export, so not migrated) has no counts table: its counts are computed by scanning.
Result<Counts> read_counts(sql::Database& db);

// The changes of one write transaction, applied just before COMMIT.
class CountDeltas {
  public:
    void add_request(int status, const std::string& write_key);
    void add_event(const std::string& type, const std::string& write_key);
    // Counts of rows about to be deleted: all of one write key, or the oldest `events`.
    Status subtract_write_key(sql::Database& db, const std::string& write_key);
    Status subtract_oldest_events(sql::Database& db, int64_t events);
    Status subtract_oldest_requests(sql::Database& db, int64_t requests);
    // Everything is deleted: the table is emptied at once, pending deltas dropped.
    Status clear_all(sql::Database& db);
    // Writes the pending deltas (upserts; rows that reach 0 are removed) and forgets them.
    Status apply(sql::Database& db);
    // A rolled-back transaction: forget the pending deltas.
    void discard() { m_deltas.clear(); }

  private:
    void add(char kind, const std::string& key, int64_t n);
    // kind ('t' event type, 'k' event write key, 's' request status, 'r' request write key)
    // followed by the key.
    std::unordered_map<std::string, int64_t> m_deltas;
    bool m_removed = false; // some count went down: rows may have reached 0
};

// The SQL of the counts table and its first filling, for the migration to schema 7.
extern const char* const k_counts_migration;

} // namespace rm
