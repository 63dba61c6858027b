// The read side of the store: parameterised queries on pooled read-only connections.
#include "query/filter.hpp"
#include "storage/counts.hpp"
#include "storage/message_index.hpp"
#include "storage/rows.hpp"
#include "storage/store.hpp"
#include "storage/store_impl.hpp"
#include "util/clock.hpp"
#include "util/encoding.hpp"
#include "util/gzip.hpp"

#include <charconv>
#include <functional>
#include <sys/stat.h>

namespace rm {

namespace {

// Builds "WHERE a = ? AND ..." plus the values to bind, in order.
struct Where {
    std::string sql;
    std::vector<std::variant<std::string, int64_t>> args;

    void add(const std::string& clause, std::variant<std::string, int64_t> arg) {
        add(clause, std::vector{std::move(arg)});
    }
    void add(const std::string& clause, std::vector<std::variant<std::string, int64_t>> values) {
        sql += sql.empty() ? " WHERE " : " AND ";
        sql += clause;
        args.insert(args.end(), values.begin(), values.end());
    }
    void bind(sql::Statement& stmt, int first = 1) const {
        int i = first;
        for (const auto& a : args) {
            if (std::holds_alternative<int64_t>(a)) {
                stmt.bind(i++, std::get<int64_t>(a));
            } else {
                stmt.bind(i++, std::get<std::string>(a));
            }
        }
    }

    // Events only: the join a filter expression needs (query/filter.hpp), else "".
    std::string join;
    void add_filter(const query::Sql& filter) {
        if (filter.where.empty()) {
            return;
        }
        std::vector<std::variant<std::string, int64_t>> values;
        for (const auto& v : filter.args) {
            if (const auto* d = std::get_if<double>(&v)) {
                // Where binds strings and integers; the compiler wraps doubles in
                // CAST(? AS REAL), so their shortest round-trip text binds the same number.
                char text[32];
                auto end = std::to_chars(text, text + sizeof text, *d).ptr;
                values.emplace_back(std::string(text, end));
            } else if (const auto* n = std::get_if<int64_t>(&v)) {
                values.emplace_back(*n);
            } else {
                values.emplace_back(std::get<std::string>(v));
            }
        }
        add("(" + filter.where + ")", std::move(values));
        if (filter.needs_requests) {
            join = " JOIN requests AS r ON r.id = e.request_id";
        }
    }
};

// firsts: MessageIndex::stored_firsts of f.message_id, when it is set.
Where event_where(const EventFilter& f, const std::vector<int64_t>& firsts) {
    Where w;
    if (f.since > 0) {
        w.add("e.id > ?", f.since);
    }
    const std::pair<const char*, const std::string*> columns[] = {
        {"type", &f.type},
        {"event", &f.event_name},
        {"write_key", &f.write_key},
    };
    for (const auto& [column, value] : columns) {
        if (!value->empty()) {
            w.add("e." + std::string(column) + " = ?", *value);
        }
    }
    // Indexed by key_hash (query::keyed_events); the text is compared too.
    const std::pair<const char*, const std::string*> hashed[] = {
        {"user", &f.user_id},
        {"anonymous", &f.anonymous_id},
    };
    for (const auto& [column, value] : hashed) {
        if (!value->empty()) {
            w.add(query::keyed_events(std::string(column) + "_key", 1) + " AND e." + column +
                      "_id = ?",
                  {key_hash(*value), *value});
        }
    }
    if (!f.message_id.empty()) {
        // The first occurrences from the messageId index (message_index.hpp), and the repeats
        // that point at them.
        std::string ids;
        for (int64_t id : firsts) {
            if (!ids.empty()) {
                ids += ',';
            }
            ids += std::to_string(id);
        }
        w.add(ids.empty() ? std::string("e.message_id = ? AND 0")
                          : "e.message_id = ? AND (e.id IN (" + ids + ") OR e.duplicate_of IN (" +
                                ids + "))",
              f.message_id);
    }
    if (!f.text.empty()) {
        query::TextMatch match = query::contains_text("e.payload", f.text);
        w.add(match.where, match.arg);
    }
    return w;
}

// Row mappings (columns and readers) live in storage/rows.hpp, shared with the Reader.
using sql::event_columns;
using sql::read_event;

// Runs fn with a pooled read connection, returning it afterwards.
template <typename T>
Result<T> with_reader(ReadPool& pool, const std::function<Result<T>(sql::Database&)>& fn) {
    auto db = pool.acquire();
    if (!db) {
        return db.error();
    }
    Result<T> out = fn(**db);
    pool.release(std::move(*db));
    return out;
}

// The filter expression compiled (query/filter.hpp); empty without one. A bad expression is
// the parser's error, as is.
Result<query::Sql> compile_expression(const EventFilter& f) {
    if (f.expression.empty()) {
        return query::Sql{};
    }
    auto parsed = query::parse(f.expression);
    if (!parsed) {
        return parsed.error();
    }
    return query::compile(*parsed);
}

// The scan budget applies (store.hpp): the query reads payloads and no term narrows it.
bool budget_applies(const EventFilter& f, const query::Sql& expression) {
    const bool scans = !f.text.empty() || !expression.indexed;
    const bool narrowed = !f.user_id.empty() || !f.anonymous_id.empty() || !f.message_id.empty() ||
                          expression.narrowed;
    return scans && !narrowed;
}

// Runs fn in one read transaction (one snapshot) when it reads more than once, else as is.
template <typename T>
Result<T> in_snapshot(sql::Database& db, bool needed, const std::function<Result<T>()>& fn) {
    if (!needed) {
        return fn();
    }
    if (auto st = db.exec("BEGIN"); !st) {
        return st.error();
    }
    Result<T> out = fn();
    db.exec("COMMIT");
    return out;
}

// event_where plus the expression, with the first occurrences of f.message_id looked up in
// the messageId index (call it inside the snapshot of the query that uses it).
Result<Where> full_where(sql::Database& db, const EventFilter& f, const query::Sql& expression) {
    std::vector<int64_t> firsts;
    if (!f.message_id.empty()) {
        auto found = MessageIndex::stored_firsts(db, message_key(f.message_id));
        if (!found) {
            return found.error();
        }
        firsts = std::move(*found);
    }
    Where w = event_where(f, firsts);
    w.add_filter(expression);
    return w;
}

// The smallest and largest stored event ids; nullopt when no event is stored.
Result<std::optional<std::pair<int64_t, int64_t>>> stored_ids(sql::Database& db) {
    using Out = std::optional<std::pair<int64_t, int64_t>>;
    // Two subqueries: each min() or max() alone is one B-tree seek.
    auto stmt = db.prepare("SELECT (SELECT min(id) FROM events), (SELECT max(id) FROM events)");
    if (!stmt) {
        return stmt.error();
    }
    auto row = stmt->step();
    if (!row) {
        return row.error();
    }
    if (!*row || stmt->column_is_null(0)) {
        return Out{};
    }
    return Out{std::pair{stmt->column_int(0), stmt->column_int(1)}};
}

// The ids a budgeted query examines, (after, through], among the candidates (lo, hi]: at most
// budget of them from the end it starts at; more = candidates remain beyond the window.
struct IdWindow {
    int64_t after = 0;
    int64_t through = 0;
    bool more = false;
};

IdWindow id_window(int64_t lo, int64_t hi, int64_t budget, bool descending) {
    if (hi <= lo) {
        return descending ? IdWindow{hi, hi, false} : IdWindow{lo, lo, false};
    }
    if (budget >= hi - lo) { // lo >= 0, so hi - lo does not overflow
        return {lo, hi, false};
    }
    return descending ? IdWindow{hi - budget, hi, true} : IdWindow{lo, lo + budget, true};
}

// SELECT of the event columns over w, in id order, at most limit rows. not_indexed: read the
// table in id order only (a budgeted scan: its window bounds the work, whatever the filter).
Result<std::vector<StoredEvent>> select_events(sql::Database& db, const Where& w, bool descending,
                                               int limit, bool not_indexed) {
    std::string text = "SELECT " + event_columns("e.") + " FROM events AS e" +
                       (not_indexed ? " NOT INDEXED" : "") + w.join + w.sql +
                       (descending ? " ORDER BY e.id DESC" : " ORDER BY e.id ASC") + " LIMIT ?";
    auto stmt = db.prepare(text);
    if (!stmt) {
        return stmt.error();
    }
    w.bind(*stmt);
    stmt->bind(static_cast<int>(w.args.size()) + 1, static_cast<int64_t>(limit));
    std::vector<StoredEvent> out;
    if (auto st = stmt->each_row([&](const auto& s) { out.push_back(read_event(s)); }); !st) {
        return st.error();
    }
    return out;
}

} // namespace

bool Store::scan_budget_applies(const EventFilter& filter) {
    auto expression = compile_expression(filter);
    return expression && budget_applies(filter, *expression);
}

Result<std::vector<StoredEvent>> Store::events(const EventFilter& f) {
    auto page = events_page(f, EventPageOptions{.before = 0, .scan_budget = 0});
    if (!page) {
        return page.error();
    }
    return std::move(page->events);
}

Result<EventPage> Store::events_page(const EventFilter& f, const EventPageOptions& o) {
    auto expression = compile_expression(f);
    if (!expression) {
        return expression.error();
    }
    const bool budgeted = o.scan_budget > 0 && budget_applies(f, *expression);
    return with_reader<EventPage>(*m_impl->readers, [&](sql::Database& db) -> Result<EventPage> {
        return in_snapshot<EventPage>(
            db, budgeted || !f.message_id.empty(), [&]() -> Result<EventPage> {
                auto w = full_where(db, f, *expression);
                if (!w) {
                    return w.error();
                }
                if (o.before > 0) {
                    w->add("e.id < ?", o.before);
                }
                EventPage page;
                page.budgeted = budgeted;
                IdWindow window{f.since, f.since, false};
                if (budgeted) {
                    auto ids = stored_ids(db);
                    if (!ids) {
                        return ids.error();
                    }
                    if (!*ids) {
                        page.scanned_after = page.scanned_through = f.since;
                        return page;
                    }
                    page.newest_id = (*ids)->second;
                    // Candidates (lo, hi]: since and before clamped to the stored ids.
                    int64_t lo = std::max(f.since, (*ids)->first - 1);
                    int64_t hi = (*ids)->second;
                    if (o.before > 0) {
                        hi = std::min(hi, o.before - 1);
                    }
                    window = id_window(lo, hi, o.scan_budget, f.descending);
                    w->add("e.id > ? AND e.id <= ?", {window.after, window.through});
                }
                auto rows = select_events(db, *w, f.descending, f.limit, budgeted);
                if (!rows) {
                    return rows.error();
                }
                page.events = std::move(*rows);
                if (budgeted) {
                    page.scanned_after = window.after;
                    page.scanned_through = window.through;
                    if (static_cast<int64_t>(page.events.size()) >= f.limit) {
                        // The page ended at limit: the window was examined up to its last event.
                        int64_t last = page.events.back().id;
                        if (f.descending) {
                            page.scanned_after = last - 1;
                        } else {
                            page.scanned_through = last;
                        }
                    } else {
                        page.truncated = window.more;
                    }
                }
                return page;
            });
    });
}

Result<int64_t> Store::count_events(const EventFilter& f) {
    auto expression = compile_expression(f);
    if (!expression) {
        return expression.error();
    }
    return with_reader<int64_t>(*m_impl->readers, [&](sql::Database& db) -> Result<int64_t> {
        return in_snapshot<int64_t>(db, !f.message_id.empty(), [&]() -> Result<int64_t> {
            auto w = full_where(db, f, *expression);
            if (!w) {
                return w.error();
            }
            auto stmt = db.prepare("SELECT COUNT(*) FROM events AS e" + w->join + w->sql);
            if (!stmt) {
                return stmt.error();
            }
            w->bind(*stmt);
            auto row = stmt->step();
            if (!row) {
                return row.error();
            }
            return stmt->column_int(0);
        });
    });
}

Result<std::optional<StoredEvent>> Store::event_by_id(int64_t id) {
    using Out = std::optional<StoredEvent>;
    return with_reader<Out>(*m_impl->readers, [&](sql::Database& db) -> Result<Out> {
        auto stmt = db.prepare("SELECT " + event_columns() + " FROM events WHERE id = ?");
        if (!stmt) {
            return stmt.error();
        }
        stmt->bind(1, id);
        auto row = stmt->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return Out{};
        }
        return Out{read_event(*stmt)};
    });
}

Result<std::vector<StoredRequest>> Store::requests(const RequestFilter& f) {
    using Out = std::vector<StoredRequest>;
    return with_reader<Out>(*m_impl->readers, [&](sql::Database& db) -> Result<Out> {
        Where w;
        if (f.since > 0) {
            w.add("id > ?", f.since);
        }
        // "status <> 200" lets SQLite use the partial index of unusual statuses.
        if (f.status != 0 && f.status != 200) {
            w.add("status <> 200 AND status = ?", static_cast<int64_t>(f.status));
        } else if (f.status == 200) {
            w.add("status = ?", static_cast<int64_t>(f.status));
        }
        if (f.status_class != 0 && f.status_class != 2) {
            w.add("status <> 200 AND status BETWEEN ? AND ?",
                  {int64_t{f.status_class} * 100, int64_t{f.status_class} * 100 + 99});
        } else if (f.status_class == 2) {
            w.add("status BETWEEN 200 AND 299", std::vector<std::variant<std::string, int64_t>>{});
        }
        if (!f.path.empty()) {
            w.add("path = ?", f.path);
        }
        if (!f.write_key.empty()) {
            w.add("write_key = ?", f.write_key);
        }
        // Both forms use the partial index of requests that met a fault.
        if (f.fault == "any") {
            w.add("fault_rule IS NOT NULL", std::vector<std::variant<std::string, int64_t>>{});
        } else if (!f.fault.empty()) {
            w.add("fault_rule IS NOT NULL AND fault_rule = ?", f.fault);
        }
        std::string text = "SELECT " + sql::request_columns() + " FROM requests" + w.sql +
                           (f.descending ? " ORDER BY id DESC" : " ORDER BY id ASC") + " LIMIT ?";
        auto stmt = db.prepare(text);
        if (!stmt) {
            return stmt.error();
        }
        w.bind(*stmt);
        stmt->bind(static_cast<int>(w.args.size()) + 1, static_cast<int64_t>(f.limit));
        Out out;
        auto st =
            stmt->each_row([&](const sql::Statement& s) { out.push_back(sql::read_request(s)); });
        if (!st) {
            return st.error();
        }
        return out;
    });
}

Result<StoreStats> Store::stats() {
    return with_reader<StoreStats>(*m_impl->readers, [&](sql::Database& db) -> Result<StoreStats> {
        StoreStats out;
        // Both tables are read in one transaction so the numbers agree with each other.
        db.exec("BEGIN");
        auto run = [&](const std::string& text,
                       const std::function<void(const sql::Statement&)>& on_row) -> Status {
            auto stmt = db.prepare(text);
            if (!stmt) {
                return stmt.error();
            }
            return stmt->each_row(on_row);
        };
        int64_t minute_ago = now_ms() - 60000;
        Status st = Ok{};
        if (auto counts = read_counts(db); !counts) { // counts.hpp: a few rows, no scan
            st = counts.error();
        } else {
            out.events = counts->events;
            out.requests = counts->requests;
            out.events_by_type = std::move(counts->events_by_type);
            out.requests_by_status = std::move(counts->requests_by_status);
            out.events_by_write_key = std::move(counts->events_by_write_key);
            out.requests_by_write_key = std::move(counts->requests_by_write_key);
        }
        if (st) {
            // Bounded by --forward-queue: a cheap count.
            st = run("SELECT COUNT(*) FROM forward_queue",
                     [&](const auto& s) { out.forward.pending = s.column_int(0); });
        }
        db.exec("COMMIT");
        if (!st) {
            return st.error();
        }
        out.forward.forwarded = m_impl->forward_forwarded.load();
        out.forward.failed = m_impl->forward_failed.load();
        out.forward.dropped = m_impl->forward_dropped.load();
        out.events_per_second_last_minute =
            static_cast<double>(m_impl->recent.events_since(minute_ago)) / 60.0;
        auto size_of = [](const std::string& file) -> int64_t {
            struct stat st {};
            return ::stat(file.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
        };
        StorageStats& g = out.storage;
        g.db_bytes = size_of(m_impl->path);
        g.wal_bytes = size_of(m_impl->path + "-wal");
        g.max_db_bytes = m_impl->options.max_db_bytes;
        g.retention_ms = m_impl->options.retention_ms;
        g.max_events = m_impl->options.max_events;
        g.trimmed_events = m_impl->trimmed_events_published.load();
        g.trimmed_requests = m_impl->trimmed_requests_published.load();
        return out;
    });
}

} // namespace rm
