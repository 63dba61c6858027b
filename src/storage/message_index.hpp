// The messageId index: finds the first stored event with a (write key, messageId), so repeats
// are linked to it (events.duplicate_of), and serves the admin API's messageId filter.
//
// Why not a plain SQLite index on message_id: SDKs send random UUIDs, so every insert lands on a
// random leaf page, and WAL mode writes each touched page whole at every commit. Once the index
// outgrows one commit's events, each event costs a full page (16 KiB) of WAL writes, and
// ingestion slows down as the database grows (measured: batches fell from 723 to 392 req/s over
// 20 s of bench/run.sh traffic; singles ran 30% faster with no such index).
//
// So the index has two levels, keyed by message_key(messageId), and no insert is random:
//   - level 0: the newest first-occurrences, appended to the heap table message_ids_recent
//     (no index, so appends touch one page) and mirrored in memory for lookups;
//   - level 1: message_ids (segment, hash, event_id), WITHOUT ROWID. Every 65,536 entries
//     of level 0 are sorted by hash into a new segment, whose number is the largest yet, so it
//     is appended at the end of the B-tree; at most 4,096 entries are written per
//     transaction, so no commit stalls. A lookup seeks (segment, hash) once per segment.
// A Bloom filter in front answers "surely new" for almost every event without any lookup.
// Only first occurrences are indexed; repeats point at them through events.duplicate_of.
// Entries of deleted events (reset by write key, --max-events) stay behind; every candidate is
// checked against the events table, so they are never reported.
//
// Threads: used by the store's writer thread only (and by Store::open before it starts).
#pragma once

#include "storage/sqlite.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rm {

// The 64-bit key of a messageId, as stored in message_ids(hash) (bit-cast to a signed integer).
int64_t message_key(std::string_view message_id);

// Registers the SQL function rm_message_key(text) (used by the schema migration).
Status register_message_key_function(sql::Database& db);

class MessageIndex {
  public:
    // segment: level-0 entries sealed into one level-1 segment (tests use a few).
    explicit MessageIndex(int64_t segment = 65536);

    // Prepares statements on db and loads level 0, the level-1 size and the Bloom filter.
    Status open(sql::Database& db);
    // After a rolled-back transaction: forget what it added; reload from the database.
    Status reload();

    // The id of the first stored event with this write key and messageId, if any.
    Result<std::optional<int64_t>> find_first(int64_t key, std::string_view write_key,
                                              std::string_view message_id);
    // Records event_id as the first occurrence of its messageId.
    Status add_first(int64_t key, int64_t event_id);
    // Moves up to one chunk of level 0 into level 1 when due. Call inside the transaction.
    Status merge_step();
    // Empties both levels (inside the transaction of a full reset).
    Status clear();

  private:
    class Bloom {
      public:
        Bloom();
        bool maybe_contains(uint64_t key) const;
        void add(uint64_t key);
        void clear();

      private:
        std::vector<uint64_t> m_bits;
    };

    sql::Database* m_db = nullptr;
    sql::Statement m_insert_recent;
    sql::Statement m_find_main;
    sql::Statement m_verify;
    sql::Statement m_insert_main;
    sql::Statement m_drop_recent;
    int64_t m_segment_size;
    std::unordered_multimap<int64_t, int64_t> m_recent; // level 0: key -> event id
    std::vector<std::pair<int64_t, int64_t>> m_order;   // level 0 as appended: key, event id
    // The segment being written: level 0's oldest entries, sorted; written up to m_written.
    std::vector<std::pair<int64_t, int64_t>> m_sealing;
    size_t m_written = 0;
    int64_t m_segments = 0; // segments in level 1, counting the one being written
    Bloom m_bloom;
};

} // namespace rm
