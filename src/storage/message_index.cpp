#include "storage/message_index.hpp"

#include <algorithm>
#include <bit>
#include <sqlite3.h>

namespace rm {

namespace {
constexpr size_t k_bloom_bits = size_t{1} << 26; // 8 MiB: ~1% false "maybe" at 5M messageIds
constexpr int k_bloom_probes = 3;
constexpr size_t k_max_chunk = 4096; // level-1 entries written per transaction (~3 ms)

// Level-1 event ids of key ?2, one seek per segment 0 .. ?1 - 1.
constexpr const char* k_find_in_segments =
    "WITH RECURSIVE seg(n) AS (SELECT 0 WHERE ?1 > 0 UNION ALL "
    "SELECT n + 1 FROM seg WHERE n + 1 < ?1) "
    "SELECT m.event_id FROM seg JOIN message_ids m ON m.segment = seg.n AND m.hash = ?2";
} // namespace

int64_t message_key(std::string_view message_id) {
    uint64_t h = 1469598103934665603ull; // FNV-1a, then a finaliser that spreads every bit
    for (unsigned char c : message_id) {
        h = (h ^ c) * 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return std::bit_cast<int64_t>(h);
}

Status register_message_key_function(sql::Database& db) {
    auto fn = [](sqlite3_context* ctx, int, sqlite3_value** argv) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
        int size = sqlite3_value_bytes(argv[0]);
        sqlite3_result_int64(
            ctx, message_key(std::string_view(text ? text : "", static_cast<size_t>(size))));
    };
    if (sqlite3_create_function_v2(db.handle(), "rm_message_key", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, fn, nullptr,
                                   nullptr, nullptr) != SQLITE_OK) {
        return make_error("cannot register rm_message_key: " + db.last_error());
    }
    return Ok{};
}

// [SECTION] Bloom filter

MessageIndex::Bloom::Bloom() : m_bits(k_bloom_bits / 64, 0) {}

bool MessageIndex::Bloom::maybe_contains(uint64_t key) const {
    uint64_t step = (key >> 32) | 1;
    for (int i = 0; i < k_bloom_probes; ++i) {
        uint64_t bit = (key + static_cast<uint64_t>(i) * step) % k_bloom_bits;
        if (!(m_bits[bit / 64] >> (bit % 64) & 1)) {
            return false;
        }
    }
    return true;
}

void MessageIndex::Bloom::add(uint64_t key) {
    uint64_t step = (key >> 32) | 1;
    for (int i = 0; i < k_bloom_probes; ++i) {
        uint64_t bit = (key + static_cast<uint64_t>(i) * step) % k_bloom_bits;
        m_bits[bit / 64] |= uint64_t{1} << (bit % 64);
    }
}

void MessageIndex::Bloom::clear() {
    std::fill(m_bits.begin(), m_bits.end(), 0);
}

// [SECTION] the index

MessageIndex::MessageIndex(int64_t segment) : m_segment_size(segment) {}

Status MessageIndex::open(sql::Database& db) {
    m_db = &db;
    auto prep = [&](const char* text, sql::Statement& into) -> Status {
        auto s = db.prepare(text);
        if (!s) {
            return s.error();
        }
        into = std::move(*s);
        return Ok{};
    };
    for (auto st : {
             prep("INSERT INTO message_ids_recent (hash, event_id) VALUES (?, ?)", m_insert_recent),
             prep(k_find_in_segments, m_find_main),
             prep("SELECT write_key = ? AND message_id = ? FROM events WHERE id = ?", m_verify),
             prep("INSERT OR IGNORE INTO message_ids (segment, hash, event_id) VALUES (?, ?, ?)",
                  m_insert_main),
             prep("DELETE FROM message_ids_recent WHERE event_id <= ?", m_drop_recent),
         }) {
        if (!st) {
            return st;
        }
    }
    return reload();
}

Status MessageIndex::reload() {
    m_recent.clear();
    m_order.clear();
    m_sealing.clear();
    m_written = 0;
    m_bloom.clear();
    auto segments = m_db->prepare("SELECT COALESCE(MAX(segment) + 1, 0) FROM message_ids");
    if (!segments) {
        return segments.error();
    }
    if (auto row = segments->step(); !row) {
        return row.error();
    }
    // A segment left half-written (a rolled-back transaction or a crash) is never appended to
    // again: its entries are still in level 0 and will be sealed into a new segment.
    m_segments = segments->column_int(0);
    for (const char* text : {"SELECT hash FROM message_ids",
                             "SELECT hash, event_id FROM message_ids_recent ORDER BY rowid"}) {
        auto stmt = m_db->prepare(text);
        if (!stmt) {
            return stmt.error();
        }
        const bool recent = std::string_view(text).find("recent") != std::string_view::npos;
        for (;;) {
            auto row = stmt->step();
            if (!row) {
                return row.error();
            }
            if (!*row) {
                break;
            }
            int64_t key = stmt->column_int(0);
            m_bloom.add(std::bit_cast<uint64_t>(key));
            if (recent) {
                m_recent.emplace(key, stmt->column_int(1));
                m_order.emplace_back(key, stmt->column_int(1));
            }
        }
    }
    return Ok{};
}

Result<std::optional<int64_t>> MessageIndex::find_first(int64_t key, std::string_view write_key,
                                                        std::string_view message_id) {
    if (!m_bloom.maybe_contains(std::bit_cast<uint64_t>(key))) {
        return std::optional<int64_t>{};
    }
    std::vector<int64_t> candidates;
    auto [from, to] = m_recent.equal_range(key);
    for (auto it = from; it != to; ++it) {
        candidates.push_back(it->second);
    }
    m_find_main.bind(1, m_segments).bind(2, key);
    for (;;) {
        auto row = m_find_main.step();
        if (!row) {
            m_find_main.reset();
            return row.error();
        }
        if (!*row) {
            break;
        }
        candidates.push_back(m_find_main.column_int(0));
    }
    m_find_main.reset();
    std::sort(candidates.begin(), candidates.end());
    for (int64_t id : candidates) {
        m_verify.bind(1, write_key).bind(2, message_id).bind(3, id);
        auto row = m_verify.step();
        bool same = row && *row && m_verify.column_int(0) == 1;
        m_verify.reset();
        if (!row) {
            return row.error();
        }
        if (same) {
            return std::optional<int64_t>(id);
        }
    }
    return std::optional<int64_t>{};
}

Status MessageIndex::add_first(int64_t key, int64_t event_id) {
    m_insert_recent.bind(1, key).bind(2, event_id);
    if (auto st = m_insert_recent.run(); !st) {
        return st;
    }
    m_recent.emplace(key, event_id);
    m_order.emplace_back(key, event_id);
    m_bloom.add(std::bit_cast<uint64_t>(key));
    return Ok{};
}

Status MessageIndex::merge_step() {
    if (m_sealing.empty()) {
        if (static_cast<int64_t>(m_order.size()) < m_segment_size) {
            return Ok{};
        }
        m_sealing.assign(m_order.begin(), m_order.begin() + m_segment_size);
        std::sort(m_sealing.begin(), m_sealing.end());
        m_written = 0;
        ++m_segments;
    }
    const int64_t segment = m_segments - 1;
    // Small segments (tests) take two transactions, so a half-written segment is exercised.
    const size_t chunk = std::clamp<size_t>(m_sealing.size() / 2, 1, k_max_chunk);
    const size_t end = std::min(m_sealing.size(), m_written + chunk);
    for (; m_written < end; ++m_written) {
        m_insert_main.bind(1, segment)
            .bind(2, m_sealing[m_written].first)
            .bind(3, m_sealing[m_written].second);
        if (auto st = m_insert_main.run(); !st) {
            return st;
        }
    }
    if (m_written < m_sealing.size()) {
        return Ok{};
    }
    // The segment is complete: its entries leave level 0.
    const auto sealed = static_cast<std::ptrdiff_t>(m_sealing.size());
    const int64_t last_id = m_order[static_cast<size_t>(sealed) - 1].second;
    m_drop_recent.bind(1, last_id);
    if (auto st = m_drop_recent.run(); !st) {
        return st;
    }
    for (auto it = m_order.begin(); it != m_order.begin() + sealed; ++it) {
        auto [from, to] = m_recent.equal_range(it->first);
        for (auto r = from; r != to; ++r) {
            if (r->second == it->second) {
                m_recent.erase(r);
                break;
            }
        }
    }
    m_order.erase(m_order.begin(), m_order.begin() + sealed);
    m_sealing.clear();
    m_written = 0;
    return Ok{};
}

Status MessageIndex::clear() {
    if (auto st = m_db->exec("DELETE FROM message_ids; DELETE FROM message_ids_recent"); !st) {
        return st;
    }
    m_recent.clear();
    m_order.clear();
    m_sealing.clear();
    m_written = 0;
    m_segments = 0;
    m_bloom.clear();
    return Ok{};
}

} // namespace rm
