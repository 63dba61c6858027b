#include "storage/message_index.hpp"

#include <algorithm>
#include <bit>
#include <sqlite3.h>

namespace rm {

namespace {
constexpr size_t k_bloom_bits = size_t{1} << 26; // 8 MiB: ~1% false "maybe" at 5M messageIds
constexpr int k_bloom_probes = 3;
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

MessageIndex::MessageIndex(int64_t merge_min) : m_merge_min(merge_min) {}

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
             prep("SELECT event_id FROM message_ids WHERE hash = ?", m_find_main),
             prep("SELECT write_key = ? AND message_id = ? FROM events WHERE id = ?", m_verify),
             prep("INSERT OR IGNORE INTO message_ids (hash, event_id) VALUES (?, ?)",
                  m_insert_main),
         }) {
        if (!st) {
            return st;
        }
    }
    return reload();
}

Status MessageIndex::reload() {
    m_recent.clear();
    m_bloom.clear();
    m_main_count = 0;
    for (const char* table : {"message_ids", "message_ids_recent"}) {
        auto stmt = m_db->prepare(std::string("SELECT hash, event_id FROM ") + table);
        if (!stmt) {
            return stmt.error();
        }
        const bool recent = std::string_view(table) == "message_ids_recent";
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
            } else {
                ++m_main_count;
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
    m_find_main.bind(1, key);
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
    m_bloom.add(std::bit_cast<uint64_t>(key));
    return Ok{};
}

Status MessageIndex::merge_if_due() {
    const auto due = std::max(m_merge_min, m_main_count / 8);
    if (static_cast<int64_t>(m_recent.size()) < due) {
        return Ok{};
    }
    std::vector<std::pair<int64_t, int64_t>> entries(m_recent.begin(), m_recent.end());
    std::sort(entries.begin(), entries.end());
    for (const auto& [key, id] : entries) {
        m_insert_main.bind(1, key).bind(2, id);
        if (auto st = m_insert_main.run(); !st) {
            return st;
        }
    }
    if (auto st = m_db->exec("DELETE FROM message_ids_recent"); !st) {
        return st;
    }
    m_main_count += static_cast<int64_t>(entries.size());
    m_recent.clear();
    return Ok{};
}

Status MessageIndex::clear() {
    if (auto st = m_db->exec("DELETE FROM message_ids; DELETE FROM message_ids_recent"); !st) {
        return st;
    }
    m_recent.clear();
    m_bloom.clear();
    m_main_count = 0;
    return Ok{};
}

} // namespace rm
