// The writer's side of the messageId index: first occurrences added, level-0 rows written,
// segments sealed, and the Bloom filters stored (message_blooms.hpp) with the level-1 changes.
#include "storage/message_index.hpp"

#include <algorithm>
#include <bit>

namespace rm {

namespace {
// The stored global filter's chunks are rewritten once they lag this many segments behind, at
// most this many per commit (the design and its costs are in message_index.hpp).
constexpr int64_t k_chunk_lag = 4;
constexpr size_t k_chunks_per_commit = 2;

using Entry = MessageIndex::Entry;

// Entries are packed as two little-endian 64-bit integers.
std::string pack(const Entry* from, const Entry* to) {
    std::string out;
    out.reserve(static_cast<size_t>(to - from) * 16);
    for (const Entry* e = from; e != to; ++e) {
        for (int64_t v : {e->key, e->event_id}) {
            auto u = std::bit_cast<uint64_t>(v);
            for (int i = 0; i < 8; ++i) {
                out.push_back(static_cast<char>(u >> (8 * i) & 0xff));
            }
        }
    }
    return out;
}
} // namespace

void MessageIndex::add_first(int64_t key, int64_t event_id) {
    m_order.push_back(Entry{key, event_id});
    m_recent.emplace(key, event_id);
    m_bloom.add(key);
    if (m_refresh_next >= 0) {
        m_refresh.add(key);
    }
}

// At open, once: the filters reload() had to build from entries are stored, and so is the
// global filter if it lags (a database from before schema 8), before any event comes in.
Status MessageIndex::save_rebuilt_blooms() {
    if (m_unsaved_blooms.empty() && m_stored.covered() + k_chunk_lag > m_segments) {
        return Ok{};
    }
    if (auto st = m_db->exec("BEGIN IMMEDIATE"); !st) {
        return st;
    }
    Status st = Ok{};
    for (int64_t s : m_unsaved_blooms) {
        if (st = m_stored.save_segment(s, m_segment_blooms[static_cast<size_t>(s)]); !st) {
            break;
        }
    }
    if (st) {
        st = m_stored.save_chunks(m_bloom, m_segments, k_chunk_lag, SIZE_MAX);
    }
    if (st = commit_or_reload(st); !st) {
        return st;
    }
    m_unsaved_blooms.clear();
    return Ok{};
}

// [SECTION] writing: level-0 rows and sealing

Status MessageIndex::before_commit() {
    if (auto st = write_heap_row(); !st) {
        return st;
    }
    if (auto st = seal_step(); !st) {
        return st;
    }
    if (auto st = refresh_step(); !st) {
        return st;
    }
    return m_stored.save_chunks(m_bloom, m_segments, k_chunk_lag, k_chunks_per_commit);
}

Status MessageIndex::write_heap_row() {
    const size_t from = m_heap.empty() ? 0 : m_heap.back().end;
    if (from == m_order.size()) {
        return Ok{};
    }
    const std::string blob = pack(m_order.data() + from, m_order.data() + m_order.size());
    m_insert_recent.bind_blob(1, blob);
    if (auto st = m_insert_recent.run(); !st) {
        return st;
    }
    m_heap.push_back(HeapRow{m_db->last_insert_id(), m_order.size()});
    return Ok{};
}

Status MessageIndex::seal_step() {
    if (m_sealing.empty()) {
        // Seal the oldest whole rows that reach the segment size.
        auto row = std::find_if(m_heap.begin(), m_heap.end(), [&](const HeapRow& r) {
            return static_cast<int64_t>(r.end) >= m_segment_size;
        });
        if (row == m_heap.end()) {
            return Ok{};
        }
        m_sealed_rows = static_cast<size_t>(row - m_heap.begin()) + 1;
        m_sealing.assign(m_order.begin(), m_order.begin() + static_cast<std::ptrdiff_t>(row->end));
        std::sort(m_sealing.begin(), m_sealing.end());
        m_blocks.clear();
        for (size_t i = 0; i < m_sealing.size(); ++i) {
            const bool full = m_blocks.empty() || i - m_blocks.back() >= m_block_entries;
            if (full && (i == 0 || m_sealing[i].key != m_sealing[i - 1].key)) {
                m_blocks.push_back(i);
            }
        }
        m_next_block = 0;
        ++m_segments;
    }
    const int64_t segment = m_segments - 1;
    for (size_t n = 0; n < m_blocks_per_commit && m_next_block < m_blocks.size(); ++n) {
        const size_t from = m_blocks[m_next_block];
        const size_t to =
            m_next_block + 1 < m_blocks.size() ? m_blocks[m_next_block + 1] : m_sealing.size();
        const std::string blob = pack(m_sealing.data() + from, m_sealing.data() + to);
        m_insert_block.bind(1, segment).bind(2, m_sealing[from].key).bind_blob(3, blob);
        if (auto st = m_insert_block.run(); !st) {
            return st;
        }
        ++m_next_block;
    }
    if (m_next_block < m_blocks.size()) {
        return Ok{};
    }
    // The segment is complete: its entries leave level 0.
    const HeapRow last = m_heap[m_sealed_rows - 1];
    m_drop_recent.bind(1, last.rowid);
    if (auto st = m_drop_recent.run(); !st) {
        return st;
    }
    add_segment_bloom(segment, m_sealing);
    if (auto st = m_stored.save_segment(segment, m_segment_blooms[static_cast<size_t>(segment)]);
        !st) {
        return st;
    }
    forget_recent(m_order.data(), m_order.data() + last.end);
    m_order.erase(m_order.begin(), m_order.begin() + static_cast<std::ptrdiff_t>(last.end));
    m_heap.erase(m_heap.begin(), m_heap.begin() + static_cast<std::ptrdiff_t>(m_sealed_rows));
    for (auto& r : m_heap) {
        r.end -= last.end;
    }
    m_sealing.clear();
    m_blocks.clear();
    m_next_block = 0;
    m_sealed_rows = 0;
    return Ok{};
}

void MessageIndex::forget_recent(const Entry* from, const Entry* to) {
    for (const Entry* e = from; e != to; ++e) {
        auto [first, last] = m_recent.equal_range(e->key);
        for (auto it = first; it != last; ++it) {
            if (it->second == e->event_id) {
                m_recent.erase(it);
                break;
            }
        }
    }
}

} // namespace rm
