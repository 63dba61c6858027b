// The messageId index: finds the first stored event with a (write key, messageId), so repeats
// are linked to it (events.duplicate_of), and serves the admin API's messageId filter.
//
// Why not a plain SQLite index on message_id: SDKs send random UUIDs, so every insert lands on a
// random leaf page, and WAL mode writes each touched page whole at every commit. Once the index
// outgrows one commit's events, each event costs a full page (16 KiB) of WAL writes, and
// ingestion slows down as the database grows (measured: batches fell from 723 to 392 req/s over
// 20 s of bench/run.sh traffic; singles ran 30% faster with no such index).
//
// So the index is append-only, in two levels, keyed by message_key(messageId); entries are
// (key, event id) pairs packed 16 bytes each into blobs:
//   - level 0: the newest entries. Each write transaction appends one row holding its new
//     entries to message_ids_recent; the writer keeps them in memory (scanned on lookups).
//   - level 1: message_ids (segment, first_hash, entries). Every ~65,536 level-0 entries are
//     sorted by key into a new segment of blocks of >= 248 entries (a key never straddles two
//     blocks). The segment number is the largest yet, so blocks are appended at the end of the
//     B-tree, at most 16 per transaction, so no commit stalls.
// A Bloom filter in front (16 MiB: 0.86% false "maybe" at 10M entries) answers "surely new"
// for almost every event without any lookup. Each "maybe" checks every segment's filter and
// reads ~2.9 blocks at 10M, so this filter's size sets the cost of a new event as the index
// grows (8 MiB, 4.8% at 10M: the writer's time per event 21 us against 12 us; schema 10).
// A repeat is looked up newest first, stopping at the first candidate the events table
// confirms: level 0 is a hash lookup in memory, then the complete segments from the newest
// down, each with its own small Bloom filter (10 bits per entry, 1.8% false "maybe"). A retry
// (recent) is found in level 0 or the newest segments and reads no other block, whatever the
// index's size; a messageId stored long ago reads its block and 1.8% of the newer segments'.
// (Checking every segment first made a repeat cost 2.5x a fresh event once 1.8M were stored.)
// A segment being written needs no lookup: its entries stay in level 0 until its last block
// is written.
// Start-up reads the filters, not the entries (schema 8; 10M events: 1.3-2.4 s -> 0.2 s, most
// of it the segments' filters, 12.5 MB). The writer stores them (message_blooms.hpp) in the
// transactions that change level 1, so a crash or a rollback never leaves them behind:
//   - each segment's filter (80 KB) with the segment's last block;
//   - the global filter in 256 chunks of 64 KiB, each marked with the segments it covers; one
//     that lags 4 segments behind is stored again, 2 chunks (128 KiB) per commit at most (a
//     commit's median +10 us, plus their share of WAL checkpoints; 8 MiB in one commit took
//     40 ms): 64 bytes per event, where batch ingestion writes ~4 KiB.
// open() ORs the chunks in and reads the entries of the few segments they may not cover yet,
// and of segments with no stored filter (written before schema 8, or left half-written: their
// filters are built as before and stored once, at that start). Why not build the global filter
// from the segments' filters: a small filter cannot be spread over a larger one (a block of it
// stands for many of the larger's blocks), so the segments' filters would each have to be the
// global one's 16 MiB.
// Trims keep the segments few, but the global filter keeps every key it was given: with
// --max-events 1M and 50M messageIds through it, it would say "maybe" to 31% of new ones. So
// once pruning leaves its false "maybe" rate over 2% and over 4 times what a filter of the
// live entries only would have, the writer builds a new one (message_index.cpp): level 0 at
// once, then one live segment per commit (~1 MB read), every new key going to both; when the
// last is read, the new one replaces it, and the chunk rounds store it. Stored chunks of either
// filter hold every key of the segments they cover, so a restart in between finds everything.
// Only first occurrences are indexed; repeats point at them through events.duplicate_of.
// Entries of deleted events (reset by write key) stay behind; every candidate is checked against
// the events table, so they are never reported. Trims (--max-events, --max-db-mb, --retention)
// delete the oldest events, so prune() drops the oldest segments once all their events are
// gone (with their stored filters; the global filter keeps their keys: a few more "maybe"s).
//
// Threads: a MessageIndex is used by the store's writer thread only (and by Store::open before
// the thread starts). stored_firsts() reads with any connection.
#pragma once

#include "storage/message_blooms.hpp"
#include "storage/sqlite.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rm {

// The 64-bit key of a messageId (as a signed integer, the way SQLite stores it).
int64_t message_key(std::string_view message_id);

class MessageIndex {
  public:
    // segment: level-0 entries sealed into one level-1 segment (tests use a few); bloom_bits:
    // the global filter's size (tests use a small one to fill it).
    explicit MessageIndex(int64_t segment = 65536, size_t bloom_bits = BloomFilter::k_default_bits);

    // Prepares statements on db and loads level 0 and the Bloom filter. A database whose
    // events have no index yet (upgraded from schema 1) gets it built here.
    Status open(sql::Database& db);
    // After a rolled-back transaction: forget what it added; reload from the database.
    Status reload();

    // The id of the first stored event with this write key and messageId, if any.
    Result<std::optional<int64_t>> find_first(int64_t key, std::string_view write_key,
                                              std::string_view message_id);
    // Records event_id as the first occurrence of its messageId.
    void add_first(int64_t key, int64_t event_id);
    // Writes this transaction's new entries and a step of sealing. Call just before commit.
    Status before_commit();
    // Empties both levels (inside the transaction of a full reset).
    Status clear();
    // Inside a write transaction that trimmed events (store_trim.cpp): drops the oldest
    // complete segment if every event it indexes is older than oldest_kept (so deleted), at
    // most one a call and never the newest segment, so the index shrinks with the trimmed
    // tables instead of growing by 16 bytes for every event ever stored.
    Status prune(int64_t oldest_kept);
    // The share of the global filter's bits that are set, and whether a refresh is under way
    // (both for tests).
    double global_fill() const { return m_bloom.fill(); }
    bool refreshing() const { return m_refresh_next >= 0; }
    // What find_first() has looked at in level 1 since open (for tests and benchmarks).
    struct Lookups {
        uint64_t filters_checked = 0; // segment filters asked
        uint64_t blocks_read = 0;     // blocks read (a "maybe", or a segment with no filter)
    };
    const Lookups& lookups() const { return m_lookups; }

    // Event ids of the first occurrences indexed under key, as stored (any connection; run it
    // in the same read transaction as the query that uses them).
    static Result<std::vector<int64_t>> stored_firsts(sql::Database& db, int64_t key);

    struct Entry {
        int64_t key;
        int64_t event_id;
        auto operator<=>(const Entry&) const = default;
    };

  private:
    struct HeapRow {
        int64_t rowid;
        size_t end; // entries [previous row's end, end) of m_order
    };

    void forget(); // empties the in-memory state
    // Ends a transaction open() began: COMMIT when st is fine, else ROLLBACK and reload().
    Status commit_or_reload(Status st);
    Status rebuild_from_events();
    Status save_rebuilt_blooms();
    Status write_heap_row();
    Status seal_step();
    // Segments [0, this) are complete: all but the one being sealed, whose entries are in level 0.
    int64_t complete_segments() const { return m_sealing.empty() ? m_segments : m_segments - 1; }
    void maybe_start_refresh();
    Status refresh_step();

    sql::Database* m_db = nullptr;
    sql::Statement m_insert_recent;
    sql::Statement m_read_segment;
    sql::Statement m_verify;
    sql::Statement m_insert_block;
    sql::Statement m_drop_recent;
    int64_t m_segment_size;
    size_t m_block_entries;
    size_t m_blocks_per_commit;
    std::vector<Entry> m_order;                         // level 0, in the order added
    std::unordered_multimap<int64_t, int64_t> m_recent; // level 0 by key: key -> event id
    std::vector<HeapRow> m_heap;                        // its rows in message_ids_recent
    // The segment being written: level 0's oldest entries (the first m_sealed_rows heap rows),
    // sorted, cut into blocks that start at m_blocks[i]; m_next_block is the next to write.
    std::vector<Entry> m_sealing;
    std::vector<size_t> m_blocks;
    size_t m_next_block = 0;
    size_t m_sealed_rows = 0;
    int64_t m_segments = 0;        // segments in level 1, counting the one being written
    int64_t m_first_live = 0;      // segments below it were pruned: no rows, never read
    int64_t m_first_live_max = -1; // its largest event id once read, -1 = not read yet
    size_t m_bloom_bits;
    BloomFilter m_bloom{0}; // 16 MiB, allocated by the first reload()
    // The refresh (message_index.cpp): a new global filter, given level 0 and every key
    // added since it began, and the live segments [m_refresh_next, m_refresh_end) still to read.
    BloomFilter m_refresh{0};
    int64_t m_refresh_next = -1; // -1: no refresh under way
    int64_t m_refresh_end = 0;
    // One filter per segment in level 1 (index = segment number), but the one being written.
    std::vector<BloomFilter> m_segment_blooms;
    std::vector<int64_t> m_unsaved_blooms; // segments whose filter reload() built from entries
    StoredBlooms m_stored;
    sql::Statement m_find_in_segment;
    Lookups m_lookups;
    void add_segment_bloom(int64_t segment, const std::vector<Entry>& entries);
    void forget_recent(const Entry* from, const Entry* to);
};

} // namespace rm
