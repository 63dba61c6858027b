#include "storage/message_index.hpp"

#include "util/encoding.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>

namespace rm {

namespace {
constexpr size_t k_rebuild_row = 65536; // entries per level-0 row when building the index
constexpr const char* k_segment_count = "SELECT COALESCE(MAX(segment) + 1, 0) FROM message_ids";
// For each segment 0 .. ?1 - 1, the one block that may hold key ?2.
constexpr const char* k_find_in_segments =
    "WITH RECURSIVE seg(n) AS (SELECT 0 WHERE ?1 > 0 UNION ALL "
    "SELECT n + 1 FROM seg WHERE n + 1 < ?1) "
    "SELECT (SELECT m.entries FROM message_ids m WHERE m.segment = seg.n AND m.first_hash <= ?2 "
    "ORDER BY m.first_hash DESC LIMIT 1) FROM seg";

using Entry = MessageIndex::Entry;

int64_t read_int64(const unsigned char* p) {
    uint64_t u = 0;
    for (int i = 7; i >= 0; --i) {
        u = u << 8 | p[i];
    }
    return std::bit_cast<int64_t>(u);
}

// Calls fn(entry) for each entry of a packed blob.
template <typename Fn>
void each_entry(std::string_view blob, Fn&& fn) {
    const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
    for (size_t i = 0; i + 16 <= blob.size(); i += 16) {
        fn(Entry{read_int64(p + i), read_int64(p + i + 8)});
    }
}

// The one block of segment ?1 that may hold key ?2.
constexpr const char* k_find_in_one_segment =
    "SELECT entries FROM message_ids WHERE segment = ?1 AND first_hash <= ?2 "
    "ORDER BY first_hash DESC LIMIT 1";

// Event ids under key in the level-1 blocks that stmt (k_find_in_segments) returns.
Status collect_level1(sql::Statement& stmt, int64_t segments, int64_t key,
                      std::vector<int64_t>& out) {
    stmt.bind(1, segments).bind(2, key);
    return stmt.each_row([&](const sql::Statement& row) {
        each_entry(row.column_text(0), [&](const Entry& e) {
            if (e.key == key) {
                out.push_back(e.event_id);
            }
        });
    });
}

Result<int64_t> segment_count(sql::Database& db) {
    auto stmt = db.prepare(k_segment_count);
    if (!stmt) {
        return stmt.error();
    }
    if (auto row = stmt->step(); !row) {
        return row.error();
    }
    return stmt->column_int(0);
}
} // namespace

int64_t message_key(std::string_view message_id) {
    return key_hash(message_id);
}

// [SECTION] open, reload, clear

// Blocks of >= 248 entries (a key is never split), 16 blocks (~4000 entries, ~3 ms) written per
// transaction. 248 entries (3,968 bytes) fit in a row of a 16 KiB page (SQLite keeps at most
// ~4,086 bytes of a WITHOUT ROWID row in the page): with 256 every block overflowed into a
// page of its own, 12 KiB of it unused (a lookup read two pages; 66 bytes on disk per event).
// Small segments (tests) get blocks of 2 and 1 per commit, so that a key's run, a segment
// over several blocks and a half-written segment are all exercised.
MessageIndex::MessageIndex(int64_t segment, size_t bloom_bits)
    : m_segment_size(segment),
      m_block_entries(std::clamp<size_t>(static_cast<size_t>(segment) / 16, 2, 248)),
      m_blocks_per_commit(
          std::clamp<size_t>(static_cast<size_t>(segment) / (2 * m_block_entries), 1, 16)),
      m_bloom_bits(bloom_bits) {}

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
             prep("INSERT INTO message_ids_recent (entries) VALUES (?)", m_insert_recent),
             prep("SELECT entries FROM message_ids WHERE segment = ?", m_read_segment),
             prep(k_find_in_one_segment, m_find_in_segment),
             prep("SELECT write_key = ? AND message_id = ? FROM events WHERE id = ?", m_verify),
             prep("INSERT OR REPLACE INTO message_ids (segment, first_hash, entries) "
                  "VALUES (?, ?, ?)",
                  m_insert_block),
             prep("DELETE FROM message_ids_recent WHERE id <= ?", m_drop_recent),
             m_stored.open(db),
         }) {
        if (!st) {
            return st;
        }
    }
    if (auto st = reload(); !st) {
        return st;
    }
    if (auto st = save_rebuilt_blooms(); !st) {
        return st;
    }
    return rebuild_from_events();
}

void MessageIndex::forget() {
    m_order.clear();
    m_recent.clear();
    m_segment_blooms.clear();
    m_unsaved_blooms.clear();
    m_heap.clear();
    m_sealing.clear();
    m_blocks.clear();
    m_next_block = 0;
    m_sealed_rows = 0;
    m_segments = 0;
    m_first_live = 0;
    m_first_live_max = -1;
    if (m_bloom.empty()) {
        m_bloom = BloomFilter(m_bloom_bits);
    } else {
        m_bloom.clear();
    }
    m_refresh = BloomFilter(0);
    m_refresh_next = -1;
}

Status MessageIndex::reload() {
    forget();
    auto segments = segment_count(*m_db);
    if (!segments) {
        return segments.error();
    }
    // A segment left half-written (a rolled-back transaction or a crash) is never appended to
    // again: its entries are still in level 0 and will be sealed into a new segment.
    m_segments = *segments;
    m_segment_blooms.assign(static_cast<size_t>(m_segments), BloomFilter(0));
    if (auto st = m_stored.load(m_segments, m_bloom, m_segment_blooms); !st) {
        return st;
    }
    auto live = m_db->prepare("SELECT COALESCE(MIN(segment), 0) FROM message_ids");
    auto first_live = live ? live->step() : Result<bool>(live.error());
    if (!first_live) {
        return first_live.error();
    }
    m_first_live = *first_live ? live->column_int(0) : 0;
    // Entries are read only of the segments whose keys the stored global filter may lack, and
    // of those without a stored filter (made before schema 8, or left half-written).
    std::vector<Entry> entries;
    const int64_t covered = m_stored.covered();
    for (int64_t s = m_first_live; s < m_segments; ++s) {
        const bool has_filter = !m_segment_blooms[static_cast<size_t>(s)].empty();
        if (has_filter && s < covered) {
            continue;
        }
        entries.clear();
        m_read_segment.bind(1, s);
        auto st = m_read_segment.each_row([&](const sql::Statement& row) {
            each_entry(row.column_text(0), [&](const Entry& e) {
                m_bloom.add(e.key);
                if (!has_filter) {
                    entries.push_back(e);
                }
            });
        });
        if (!st) {
            return st;
        }
        if (!has_filter) {
            add_segment_bloom(s, entries);
            m_unsaved_blooms.push_back(s);
        }
    }
    auto recent = m_db->prepare("SELECT id, entries FROM message_ids_recent ORDER BY id");
    if (!recent) {
        return recent.error();
    }
    return recent->each_row([&](const sql::Statement& row) {
        each_entry(row.column_text(1), [&](const Entry& e) {
            m_bloom.add(e.key);
            m_order.push_back(e);
            m_recent.emplace(e.key, e.event_id);
        });
        m_heap.push_back(HeapRow{row.column_int(0), m_order.size()});
    });
}

void MessageIndex::add_segment_bloom(int64_t segment, const std::vector<Entry>& entries) {
    if (segment < 0) {
        return;
    }
    if (m_segment_blooms.size() <= static_cast<size_t>(segment)) {
        m_segment_blooms.resize(static_cast<size_t>(segment) + 1, BloomFilter(0));
    }
    BloomFilter bloom(std::max<size_t>(512, entries.size() * 10));
    for (const Entry& e : entries) {
        bloom.add(e.key);
    }
    m_segment_blooms[static_cast<size_t>(segment)] = std::move(bloom);
}

// A schema-1 database has events but no index: index their first occurrences now.
Status MessageIndex::rebuild_from_events() {
    if (m_segments > 0 || !m_order.empty()) {
        return Ok{};
    }
    auto firsts = m_db->prepare("SELECT id, message_id FROM events "
                                "WHERE message_id <> '' AND duplicate_of IS NULL ORDER BY id");
    if (!firsts) {
        return firsts.error();
    }
    if (auto st = m_db->exec("BEGIN IMMEDIATE"); !st) {
        return st;
    }
    Status st = Ok{};
    for (;;) {
        auto row = firsts->step();
        if (!row) {
            st = row.error();
            break;
        }
        if (!*row) {
            st = write_heap_row();
            break;
        }
        add_first(message_key(firsts->column_text(1)), firsts->column_int(0));
        if (m_order.size() - (m_heap.empty() ? 0 : m_heap.back().end) >= k_rebuild_row) {
            if (st = write_heap_row(); !st) {
                break;
            }
        }
    }
    firsts->reset();
    return commit_or_reload(st);
}

Status MessageIndex::commit_or_reload(Status st) {
    if (st) {
        st = m_db->exec("COMMIT");
    }
    if (!st) {
        m_db->exec("ROLLBACK");
        reload(); // the in-memory state may hold what was rolled back
    }
    return st;
}

Status MessageIndex::prune(int64_t oldest_kept) {
    const int64_t complete = complete_segments();
    const int64_t s = m_first_live;
    if (s >= complete - 1) {
        return Ok{}; // the newest segment stays, so segment numbers never restart
    }
    if (m_first_live_max < 0) { // read once per segment: ~1 MB
        m_read_segment.bind(1, s);
        int64_t largest = 0;
        auto st = m_read_segment.each_row([&](const sql::Statement& row) {
            each_entry(row.column_text(0),
                       [&](const Entry& e) { largest = std::max(largest, e.event_id); });
        });
        if (!st) {
            return st;
        }
        m_first_live_max = largest;
    }
    if (m_first_live_max >= oldest_kept) {
        return Ok{};
    }
    auto drop = m_db->prepare("DELETE FROM message_ids WHERE segment = ?");
    if (!drop) {
        return drop.error();
    }
    if (auto st = drop->bind(1, s).run(); !st) {
        return st;
    }
    if (auto st = m_stored.drop_segment(s); !st) {
        return st;
    }
    m_segment_blooms[static_cast<size_t>(s)] = BloomFilter(0);
    ++m_first_live;
    m_first_live_max = -1;
    maybe_start_refresh();
    return Ok{};
}

// [SECTION] refreshing the global filter (the why is in message_index.hpp)

namespace {
// A blocked filter with 3 probes says "maybe" to about fill^3 of the keys it never saw; one
// holding n keys in m bits has about 1 - e^(-3n/m) of them set.
double false_maybe(double fill) {
    return fill * fill * fill;
}

std::string percent(double share) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%%", share * 100);
    return text;
}
} // namespace

void MessageIndex::maybe_start_refresh() {
    if (m_refresh_next >= 0 || m_bloom.empty()) {
        return;
    }
    const int64_t complete = complete_segments();
    const double live =
        static_cast<double>(complete - m_first_live) * static_cast<double>(m_segment_size) +
        static_cast<double>(m_order.size());
    const double bits = static_cast<double>(m_bloom.byte_size()) * 8;
    const double now = false_maybe(m_bloom.fill());
    const double fresh = false_maybe(1 - std::exp(-3 * live / bits));
    // Rebuilt when one of the live entries only would say "maybe" less than a quarter as often
    // (at the 2% threshold: ~1.7 times as many keys as live). After a rebuild the two rates are
    // equal, so dead keys must make it 4 times worse again before the next one.
    if (now < 0.02 || fresh > now / 4) {
        return;
    }
    log::info("the messageId filter says maybe to ~" + percent(now) +
              " of new messageIds (it keeps trimmed ones): building a new one from the " +
              std::to_string(complete - m_first_live) + " live segments, one per commit");
    m_refresh = BloomFilter(m_bloom.byte_size() * 8);
    for (const Entry& e : m_order) {
        m_refresh.add(e.key);
    }
    m_refresh_next = m_first_live;
    m_refresh_end = complete;
}

Status MessageIndex::refresh_step() {
    if (m_refresh_next < 0) {
        return Ok{};
    }
    // Segments pruned meanwhile need no reading: their keys may go.
    m_refresh_next = std::max(m_refresh_next, m_first_live);
    if (m_refresh_next < m_refresh_end) {
        m_read_segment.bind(1, m_refresh_next);
        auto st = m_read_segment.each_row([&](const sql::Statement& row) {
            each_entry(row.column_text(0), [&](const Entry& e) { m_refresh.add(e.key); });
        });
        if (!st) {
            return st;
        }
        ++m_refresh_next;
    }
    if (m_refresh_next >= m_refresh_end) {
        const double before = m_bloom.fill();
        m_bloom = std::move(m_refresh);
        m_refresh = BloomFilter(0);
        m_refresh_next = -1;
        log::info("new messageId filter: ~" + percent(false_maybe(before)) + " -> ~" +
                  percent(false_maybe(m_bloom.fill())) + " false maybe");
    }
    return Ok{};
}

Status MessageIndex::clear() {
    if (auto st = m_db->exec("DELETE FROM message_ids; DELETE FROM message_ids_recent"); !st) {
        return st;
    }
    if (auto st = m_stored.clear(); !st) {
        return st;
    }
    forget();
    return Ok{};
}

// [SECTION] lookups (additions are in message_index_write.cpp)

Result<std::optional<int64_t>> MessageIndex::find_first(int64_t key, std::string_view write_key,
                                                        std::string_view message_id) {
    if (!m_bloom.maybe_contains(key)) {
        return std::optional<int64_t>{};
    }
    // Newest first, stopping at the first candidate the events table confirms: only first
    // occurrences are indexed, so at most one live entry matches (write key, messageId), and
    // the SDK retries that make repeats are recent. A repeat found in level 0 reads no segment;
    // one in segment s reads only the false "maybe"s of the segments after s.
    std::vector<int64_t> candidates;
    auto confirmed = [&]() -> Result<std::optional<int64_t>> {
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
        candidates.clear();
        return std::optional<int64_t>{};
    };
    auto [first, last] = m_recent.equal_range(key);
    for (auto it = first; it != last; ++it) {
        candidates.push_back(it->second);
    }
    if (auto found = confirmed(); !found || *found) {
        return found;
    }
    // Complete segments whose filter may hold the key; the one being sealed, if any, is all
    // in level 0 still.
    for (int64_t s = complete_segments() - 1; s >= m_first_live; --s) {
        const bool have_filter = static_cast<size_t>(s) < m_segment_blooms.size() &&
                                 !m_segment_blooms[static_cast<size_t>(s)].empty();
        ++m_lookups.filters_checked;
        if (have_filter && !m_segment_blooms[static_cast<size_t>(s)].maybe_contains(key)) {
            continue;
        }
        ++m_lookups.blocks_read;
        m_find_in_segment.bind(1, s).bind(2, key);
        auto st = m_find_in_segment.each_row([&](const sql::Statement& row) {
            each_entry(row.column_text(0), [&](const Entry& e) {
                if (e.key == key) {
                    candidates.push_back(e.event_id);
                }
            });
        });
        if (!st) {
            return st.error();
        }
        if (auto found = confirmed(); !found || *found) {
            return found;
        }
    }
    return std::optional<int64_t>{};
}

Result<std::vector<int64_t>> MessageIndex::stored_firsts(sql::Database& db, int64_t key) {
    std::vector<int64_t> out;
    auto segments = segment_count(db);
    if (!segments) {
        return segments.error();
    }
    auto main = db.prepare(k_find_in_segments);
    if (!main) {
        return main.error();
    }
    if (auto st = collect_level1(*main, *segments, key, out); !st) {
        return st.error();
    }
    auto recent = db.prepare("SELECT entries FROM message_ids_recent");
    if (!recent) {
        return recent.error();
    }
    auto st = recent->each_row([&](const sql::Statement& row) {
        each_entry(row.column_text(0), [&](const Entry& e) {
            if (e.key == key) {
                out.push_back(e.event_id);
            }
        });
    });
    if (!st) {
        return st.error();
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

} // namespace rm
