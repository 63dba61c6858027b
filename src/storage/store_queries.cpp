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
    // Indexed by key_hash (schema 3); the text is compared too.
    const std::pair<const char*, const std::string*> hashed[] = {
        {"user", &f.user_id},
        {"anonymous", &f.anonymous_id},
    };
    for (const auto& [column, value] : hashed) {
        if (!value->empty()) {
            w.add("e." + std::string(column) + "_key = ? AND e." + column + "_id = ?",
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
        w.add("instr(e.payload, ?) > 0", f.text);
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

// Runs a query on events (FROM "events AS e" + Where::join) with its messageId lookup in one
// read transaction (one snapshot). A bad filter expression is the parser's error, as is.
template <typename T>
Result<T> query_events(sql::Database& db, const EventFilter& f,
                       const std::function<Result<T>(const Where&)>& run) {
    query::Sql expression;
    if (!f.expression.empty()) {
        auto parsed = query::parse(f.expression);
        auto compiled = parsed ? query::compile(*parsed) : Result<query::Sql>(parsed.error());
        if (!compiled) {
            return compiled.error();
        }
        expression = std::move(*compiled);
    }
    auto where = [&](const std::vector<int64_t>& firsts) {
        Where w = event_where(f, firsts);
        w.add_filter(expression);
        return w;
    };
    if (f.message_id.empty()) {
        return run(where({}));
    }
    if (auto st = db.exec("BEGIN"); !st) {
        return st.error();
    }
    auto firsts = MessageIndex::stored_firsts(db, message_key(f.message_id));
    Result<T> out = firsts ? run(where(*firsts)) : Result<T>(firsts.error());
    db.exec("COMMIT");
    return out;
}

} // namespace

Result<std::vector<StoredEvent>> Store::events(const EventFilter& f) {
    return with_reader<std::vector<StoredEvent>>(
        *m_impl->readers, [&](sql::Database& db) -> Result<std::vector<StoredEvent>> {
            return query_events<std::vector<StoredEvent>>(
                db, f, [&](const Where& w) -> Result<std::vector<StoredEvent>> {
                    std::string text =
                        "SELECT " + event_columns("e.") + " FROM events AS e" + w.join + w.sql +
                        (f.descending ? " ORDER BY e.id DESC" : " ORDER BY e.id ASC") + " LIMIT ?";
                    auto stmt = db.prepare(text);
                    if (!stmt) {
                        return stmt.error();
                    }
                    w.bind(*stmt);
                    stmt->bind(static_cast<int>(w.args.size()) + 1, static_cast<int64_t>(f.limit));
                    std::vector<StoredEvent> out;
                    if (auto st =
                            stmt->each_row([&](const auto& s) { out.push_back(read_event(s)); });
                        !st) {
                        return st.error();
                    }
                    return out;
                });
        });
}

Result<int64_t> Store::count_events(const EventFilter& f) {
    return with_reader<int64_t>(*m_impl->readers, [&](sql::Database& db) -> Result<int64_t> {
        return query_events<int64_t>(db, f, [&](const Where& w) -> Result<int64_t> {
            auto stmt = db.prepare("SELECT COUNT(*) FROM events AS e" + w.join + w.sql);
            if (!stmt) {
                return stmt.error();
            }
            w.bind(*stmt);
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
        return out;
    });
}

} // namespace rm
