// The Bloom filters of the messageId index (message_index.hpp): the filter itself, and the
// filters kept in the database (schema 8) so that start-up reads them instead of every entry.
//
// Tables (written by the store's writer thread, in the transactions that change level 1):
//   - message_blooms (segment, bits): the filter of each complete segment, written in the
//     transaction that writes the segment's last block.
//   - message_bloom_chunks (chunk, covers, bits): the global filter, cut into chunks of 64 KiB;
//     a chunk holds the keys of every segment numbered below its `covers`.
// Filters only ever gain bits (clear() drops them all with the entries), so a chunk rewritten
// from the in-memory filter at any later time still holds all it held: chunks need not be
// written together, and a crash between two of them leaves each one right for its `covers`.
//
// Threads: the writer thread's, like MessageIndex.
#pragma once

#include "storage/sqlite.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rm {

// A blocked Bloom filter over message keys, 16 MiB by default: "no" is certain; "maybe" is
// wrong for 0.86% of keys never added once 10M are in (8 MiB: 4.8%; a segment's 80 KB with
// its 65,536 keys: 1.8%).
class BloomFilter {
  public:
    static constexpr size_t k_default_bits = size_t{1} << 27;

    BloomFilter();
    // A filter of about `bits` bits, rounded up to 512-bit blocks; 0 = no filter (empty(): it
    // holds nothing, and says "maybe" to every key).
    explicit BloomFilter(size_t bits);
    bool empty() const { return m_blocks.empty(); }
    bool maybe_contains(int64_t key) const;
    double fill() const;   // the share of bits set (0 for an empty() filter)
    void add(int64_t key); // (not on an empty() filter)
    void clear();

    // The stored form: its 64-bit words, little-endian. Offsets and sizes are in bytes,
    // multiples of 8; a slice out of range is returned empty, and not merged (false).
    size_t byte_size() const { return m_blocks.size() * sizeof(Block); }
    std::string bytes(size_t offset, size_t size) const;
    bool merge(size_t offset, std::string_view bytes); // ORs a slice in
    // The filter stored as bytes(0, byte_size()); empty() if that is no whole number of blocks.
    static BloomFilter from_bytes(std::string_view bytes);

  private:
    struct alignas(64) Block {
        uint64_t words[8] = {};
    };
    size_t block_of(int64_t key) const;
    std::vector<Block> m_blocks;
};

class StoredBlooms {
  public:
    static constexpr size_t k_chunk_bytes = 64 * 1024;

    Status open(sql::Database& db); // prepares the statements
    // Reads the stored filters: segments[s] for each segment s < segment_count that has one
    // (the others are left as they are), and the global filter's chunks ORed into global.
    Status load(int64_t segment_count, BloomFilter& global, std::vector<BloomFilter>& segments);
    // The smallest `covers` of the global filter's chunks as loaded or written (0 for a
    // missing chunk): keys of segments from this one on may be missing from them.
    int64_t covered() const;

    // Inside a write transaction.
    Status save_segment(int64_t segment, const BloomFilter& bloom);
    // Rewrites, from global, at most max_chunks of the chunks that are `lag` (>= 1) or more
    // segments behind `segments` (global must hold every key of the segments below it),
    // marking them as covering `segments`.
    Status save_chunks(const BloomFilter& global, int64_t segments, int64_t lag, size_t max_chunks);
    Status clear();                       // drops every stored filter (a full reset)
    Status drop_segment(int64_t segment); // a pruned segment's (MessageIndex::prune)

  private:
    sql::Database* m_db = nullptr;
    sql::Statement m_save_segment;
    sql::Statement m_save_chunk;
    std::vector<int64_t> m_covers; // each chunk's, as loaded or written
    size_t m_next_chunk = 0;
};

} // namespace rm
