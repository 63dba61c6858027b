#include "storage/counts.hpp"

#include <charconv>
#include <functional>

namespace rm {

namespace {

constexpr char k_type = 't';
constexpr char k_event_key = 'k';
constexpr char k_status = 's';
constexpr char k_request_key = 'r';

Status each(sql::Database& db, const char* text,
            const std::function<void(const sql::Statement&)>& fn,
            const std::string* bound = nullptr, const int64_t* bound_int = nullptr) {
    auto stmt = db.prepare(text);
    if (!stmt) {
        return stmt.error();
    }
    if (bound) {
        stmt->bind(1, *bound);
    }
    if (bound_int) {
        stmt->bind(1, *bound_int);
    }
    return stmt->each_row(fn);
}

int status_of(const std::string& text) {
    int v = 0;
    std::from_chars(text.data(), text.data() + text.size(), v);
    return v;
}

void put(Counts& c, char kind, const std::string& key, int64_t n) {
    switch (kind) {
    case k_type:
        c.events_by_type[key] += n;
        c.events += n;
        break;
    case k_event_key:
        c.events_by_write_key[key] += n;
        break;
    case k_status:
        c.requests_by_status[status_of(key)] += n;
        c.requests += n;
        break;
    case k_request_key:
        c.requests_by_write_key[key] += n;
        break;
    default:
        break;
    }
}

Result<Counts> scan_counts(sql::Database& db) {
    Counts c;
    Status st = each(db, "SELECT type, write_key, COUNT(*) FROM events GROUP BY 1, 2",
                     [&](const sql::Statement& s) {
                         put(c, k_type, s.column_text(0), s.column_int(2));
                         put(c, k_event_key, s.column_text(1), s.column_int(2));
                     });
    if (st) {
        st = each(db, "SELECT status, write_key, COUNT(*) FROM requests GROUP BY 1, 2",
                  [&](const sql::Statement& s) {
                      put(c, k_status, std::to_string(s.column_int(0)), s.column_int(2));
                      put(c, k_request_key, s.column_text(1), s.column_int(2));
                  });
    }
    if (!st) {
        return st.error();
    }
    return c;
}

} // namespace

const char* const k_counts_migration = R"sql(
CREATE TABLE counts (kind TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL,
                     PRIMARY KEY (kind, key)) WITHOUT ROWID;
INSERT INTO counts SELECT 't', type, COUNT(*) FROM events GROUP BY type;
INSERT INTO counts SELECT 'k', write_key, COUNT(*) FROM events GROUP BY write_key;
INSERT INTO counts SELECT 's', CAST(status AS TEXT), COUNT(*) FROM requests GROUP BY status;
INSERT INTO counts SELECT 'r', write_key, COUNT(*) FROM requests GROUP BY write_key;
)sql";

Result<Counts> read_counts(sql::Database& db) {
    bool have_table = false;
    Status st = each(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'counts'",
                     [&](const sql::Statement&) { have_table = true; });
    if (!st) {
        return st.error();
    }
    if (!have_table) {
        return scan_counts(db);
    }
    Counts c;
    st = each(db, "SELECT kind, key, n FROM counts", [&](const sql::Statement& s) {
        const std::string kind = s.column_text(0);
        put(c, kind.empty() ? '\0' : kind[0], s.column_text(1), s.column_int(2));
    });
    if (!st) {
        return st.error();
    }
    return c;
}

void CountDeltas::add(char kind, const std::string& key, int64_t n) {
    std::string k;
    k.reserve(key.size() + 1);
    k.push_back(kind);
    k.append(key);
    m_deltas[std::move(k)] += n;
    m_removed = m_removed || n < 0;
}

void CountDeltas::add_request(int status, const std::string& write_key) {
    add(k_status, std::to_string(status), 1);
    add(k_request_key, write_key, 1);
}

void CountDeltas::add_event(const std::string& type, const std::string& write_key) {
    add(k_type, type, 1);
    add(k_event_key, write_key, 1);
}

Status CountDeltas::subtract_write_key(sql::Database& db, const std::string& write_key) {
    Status st = each(
        db, "SELECT type, COUNT(*) FROM events WHERE write_key = ? GROUP BY type",
        [&](const sql::Statement& s) { add(k_type, s.column_text(0), -s.column_int(1)); },
        &write_key);
    if (st) {
        st = each(
            db, "SELECT status, COUNT(*) FROM requests WHERE write_key = ? GROUP BY status",
            [&](const sql::Statement& s) {
                add(k_status, std::to_string(s.column_int(0)), -s.column_int(1));
            },
            &write_key);
    }
    if (!st) {
        return st;
    }
    // The per-key rows go whole, pending additions included.
    m_deltas.erase(std::string(1, k_event_key) + write_key);
    m_deltas.erase(std::string(1, k_request_key) + write_key);
    auto del = db.prepare("DELETE FROM counts WHERE kind IN ('k', 'r') AND key = ?");
    if (!del) {
        return del.error();
    }
    del->bind(1, write_key);
    m_removed = true;
    return del->run();
}

Status CountDeltas::subtract_oldest_events(sql::Database& db, int64_t events) {
    return each(
        db,
        "SELECT type, write_key, COUNT(*) FROM (SELECT type, write_key FROM events ORDER BY id "
        "LIMIT ?) GROUP BY 1, 2",
        [&](const sql::Statement& s) {
            add(k_type, s.column_text(0), -s.column_int(2));
            add(k_event_key, s.column_text(1), -s.column_int(2));
        },
        nullptr, &events);
}

Status CountDeltas::subtract_oldest_requests(sql::Database& db, int64_t requests) {
    return each(
        db,
        "SELECT status, write_key, COUNT(*) FROM (SELECT status, write_key FROM requests ORDER "
        "BY id LIMIT ?) GROUP BY 1, 2",
        [&](const sql::Statement& s) {
            add(k_status, std::to_string(s.column_int(0)), -s.column_int(2));
            add(k_request_key, s.column_text(1), -s.column_int(2));
        },
        nullptr, &requests);
}

Status CountDeltas::clear_all(sql::Database& db) {
    m_deltas.clear();
    m_removed = false;
    return db.exec("DELETE FROM counts");
}

Status CountDeltas::apply(sql::Database& db) {
    if (!m_deltas.empty()) {
        auto up = db.prepare("INSERT INTO counts (kind, key, n) VALUES (?, ?, ?) "
                             "ON CONFLICT (kind, key) DO UPDATE SET n = n + excluded.n");
        if (!up) {
            return up.error();
        }
        for (const auto& [k, n] : m_deltas) {
            if (n == 0) {
                continue;
            }
            const std::string_view kind(k.data(), 1);
            const std::string_view key = std::string_view(k).substr(1);
            up->bind(1, kind).bind(2, key).bind(3, n);
            if (auto st = up->run(); !st) {
                return st;
            }
        }
        m_deltas.clear();
    }
    if (m_removed) {
        m_removed = false;
        return db.exec("DELETE FROM counts WHERE n <= 0");
    }
    return Ok{};
}

} // namespace rm
