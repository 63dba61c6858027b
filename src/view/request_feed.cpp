#include "view/request_feed.hpp"

#include "storage/store.hpp"
#include "view/feed_sql.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace rm {

namespace {
// As EventFeed: a search covers this many ids per step at first and grows the steps while
// they stay quick, so an indexed filter is fast and a path scan still shows progress.
constexpr int64_t k_first_chunk = 20000;
constexpr int64_t k_max_chunk = 1 << 22;
constexpr auto k_step_target = std::chrono::milliseconds(60);
constexpr size_t k_row_cache = 20000;
constexpr int64_t k_tail_limit = 100000;

using feed_sql::select_ids;

// The filter as SQL over `requests` (no alias), every value bound.
query::Sql where_of(const RequestQuery& q) {
    query::Sql s;
    std::string& w = s.where;
    auto add = [&](const std::string& term) { w += (w.empty() ? "" : " AND ") + term; };
    // "status <> 200" lets SQLite use the partial index of unusual statuses.
    switch (q.status) {
    case StatusClass::all:
        break;
    case StatusClass::success:
        add("status BETWEEN 200 AND 299");
        break;
    case StatusClass::client_error:
        add("status <> 200 AND status BETWEEN 400 AND 499");
        break;
    case StatusClass::server_error:
        add("status <> 200 AND status BETWEEN 500 AND 599");
        break;
    case StatusClass::faults:
        add("fault_rule IS NOT NULL");
        break;
    case StatusClass::connection:
        add("status <> 200 AND status = 0");
        break;
    case StatusClass::code:
        add(q.code == 200 ? "status = 200" : "status <> 200 AND status = ?");
        if (q.code != 200) {
            s.args.emplace_back(int64_t{q.code});
        }
        break;
    }
    if (!q.write_key.empty()) {
        add("write_key = ?");
        s.args.emplace_back(q.write_key);
    }
    if (!q.path.empty()) {
        add("instr(path, ?) > 0");
        s.args.emplace_back(q.path);
    }
    return s;
}

std::string and_where(const query::Sql& sql) {
    return sql.where.empty() ? std::string() : " AND (" + sql.where + ")";
}

// The newest entry: its id and time (0, 0 when the journal is empty). The time tells a reset
// apart from new rows: after a full reset SQLite hands out the same ids again.
struct Top {
    int64_t id = 0;
    int64_t received_ms = 0;
};

Result<Top> read_top(sql::Database& db) {
    auto stmt = db.prepare("SELECT id, received_ms FROM requests ORDER BY id DESC LIMIT 1");
    if (!stmt) {
        return stmt.error();
    }
    Top top;
    auto st = stmt->each_row([&](const sql::Statement& s) {
        top.id = s.column_int(0);
        top.received_ms = s.column_int(1);
    });
    if (!st) {
        return st.error();
    }
    return top;
}

// True while the entry the list was built up to is still there, unchanged.
Result<bool> still_there(sql::Database& db, const Top& known) {
    if (known.id == 0 || known.received_ms < 0) {
        return true;
    }
    auto stmt = db.prepare("SELECT received_ms FROM requests WHERE id = ?");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, known.id);
    bool same = false;
    auto st = stmt->each_row(
        [&](const sql::Statement& s) { same = s.column_int(0) == known.received_ms; });
    if (!st) {
        return st.error();
    }
    return same;
}

Result<std::vector<RequestRow>> read_rows(sql::Database& db, const std::string& ids_json) {
    auto stmt = db.prepare("SELECT id, received_ms, method, path, query, status, reason, "
                           "write_key, event_count, duration_us, COALESCE(fault_rule, ''), "
                           "COALESCE(fault, '') FROM requests "
                           "WHERE id IN (SELECT value FROM json_each(?))");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, ids_json);
    std::vector<RequestRow> rows;
    auto st = stmt->each_row([&](const sql::Statement& s) {
        RequestRow r;
        r.id = s.column_int(0);
        r.received_ms = s.column_int(1);
        r.method = s.column_text(2);
        r.path = s.column_text(3);
        r.query = s.column_text(4);
        r.status = static_cast<int>(s.column_int(5));
        r.reason = s.column_text(6);
        r.write_key = s.column_text(7);
        r.event_count = static_cast<int>(s.column_int(8));
        r.duration_us = s.column_int(9);
        r.fault_rule = s.column_text(10);
        r.plain = plain_reason(r.status, r.reason, s.column_text(11));
        rows.push_back(std::move(r));
    });
    if (!st) {
        return st.error();
    }
    return rows;
}

Result<RequestDetail> read_detail(sql::Database& db, int64_t id) {
    auto request = feed_sql::read_request(db, id);
    if (!request) {
        return request.error();
    }
    if (!*request) {
        return make_error("request " + std::to_string(id) + " is gone (reset)");
    }
    RequestDetail d;
    d.request = std::move(**request);
    const RequestRecord& r = d.request.record;
    d.plain = plain_reason(r.status, r.reason, r.fault_json);
    auto attempts = feed_sql::read_attempts(db, d.request.delivery_first);
    if (!attempts) {
        return attempts.error();
    }
    d.attempts = std::move(*attempts);
    return d;
}
} // namespace

Result<std::unique_ptr<RequestFeed>> RequestFeed::open(const std::string& db_path, Store* live,
                                                       MainThreadQueue& ui) {
    auto worker = QueryWorker::start(db_path);
    if (!worker) {
        return worker.error();
    }
    std::unique_ptr<RequestFeed> feed(new RequestFeed(live, ui, std::move(*worker)));
    feed->start_search();
    return feed;
}

RequestFeed::RequestFeed(Store* live, MainThreadQueue& ui, std::unique_ptr<QueryWorker> worker)
    : m_live(live), m_ui(ui), m_worker(std::move(worker)), m_shared(std::make_shared<Shared>()) {
    if (m_live) {
        m_watcher = std::thread([this] { watch_generation(); });
    }
}

RequestFeed::~RequestFeed() {
    m_shared->alive = false; // tasks still queued on the UI queue become no-ops
    m_stop.store(true);
    if (m_watcher.joinable()) {
        m_watcher.join();
    }
    m_worker.reset(); // joins: no job runs after this
}

void RequestFeed::watch_generation() {
    // Sleeps on the store's generation counter; posts at most one wake-up every 30 ms. The
    // task runs on the UI thread, where it may touch the feed (if it is still alive).
    auto shared = m_shared;
    RequestFeed* self = this;
    uint64_t seen = m_live->generation();
    while (!m_stop.load()) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
        uint64_t now = m_live->wait_for_change(seen, deadline);
        if (now != seen) {
            seen = now;
            m_ui.post([shared, self] {
                if (shared->alive) {
                    self->on_commit();
                }
            });
            std::this_thread::sleep_for(std::chrono::milliseconds(30));
        }
    }
}

void RequestFeed::set_query(RequestQuery query) {
    if (query == m_query) {
        return;
    }
    m_query = std::move(query);
    start_search();
}

const RequestRow* RequestFeed::row(size_t index) {
    int64_t id = id_at(index);
    auto it = m_rows.find(id);
    if (it != m_rows.end()) {
        return &it->second;
    }
    if (id != 0) {
        m_wanted.insert(id);
    }
    return nullptr;
}

std::optional<size_t> RequestFeed::index_of(int64_t id) const {
    auto it = std::lower_bound(m_ids.begin(), m_ids.end(), id);
    if (it == m_ids.end() || *it != id) {
        return std::nullopt;
    }
    return static_cast<size_t>(it - m_ids.begin());
}

void RequestFeed::start_search() {
    ++m_epoch;
    m_ids.clear();
    m_rows.clear(); // ids may have been reused by a reset
    m_wanted.clear();
    m_top = 0;
    m_error.clear();
    m_searching = true;
    m_progress = 0;
    m_tail_wanted = false;
    ++m_version;
    const uint64_t epoch = m_epoch;
    auto shared = m_shared;
    RequestFeed* self = this;
    MainThreadQueue& ui = m_ui;
    m_worker->enqueue([=, &ui](sql::Database& db) {
        auto top = read_top(db);
        auto low = select_ids(db, "SELECT COALESCE(MIN(id), 0) FROM requests", {}, {});
        ui.post([=, top = std::move(top), low = std::move(low)]() mutable {
            if (!shared->alive || self->m_epoch != epoch) {
                return;
            }
            if (!top || !low || low->empty()) {
                self->m_error = !top  ? top.error().message
                                : low ? "cannot read the id range"
                                      : low.error().message;
                self->m_searching = false;
                ++self->m_version;
                return;
            }
            self->m_top = top->id;
            self->m_top_ms = top->received_ms;
            self->m_scan_top = top->id;
            self->m_scan_low = low->front() > 0 ? low->front() - 1 : 0;
            if (top->id == 0) {
                self->m_searching = false;
                self->m_progress = 1;
                ++self->m_version;
                self->on_search_done();
                return;
            }
            self->search_step(epoch, top->id, k_first_chunk);
        });
    });
}

void RequestFeed::search_step(uint64_t epoch, int64_t hi, int64_t chunk) {
    const int64_t floor = m_scan_low;
    const int64_t lo = std::max(floor + 1, hi - chunk + 1);
    const query::Sql sql = where_of(m_query);
    const std::string text =
        "SELECT id FROM requests WHERE id BETWEEN ? AND ?" + and_where(sql) + " ORDER BY id";
    auto shared = m_shared;
    RequestFeed* self = this;
    MainThreadQueue& ui = m_ui;
    m_worker->enqueue([=, &ui](sql::Database& db) {
        auto start = std::chrono::steady_clock::now();
        auto ids = select_ids(db, text, {lo, hi}, sql);
        auto took = std::chrono::steady_clock::now() - start;
        int64_t next_chunk = chunk;
        if (took < k_step_target / 2) {
            next_chunk = std::min(chunk * 4, k_max_chunk);
        } else if (took > k_step_target * 2) {
            next_chunk = std::max<int64_t>(chunk / 2, 1000);
        }
        ui.post([=, ids = std::move(ids)]() mutable {
            if (!shared->alive || self->m_epoch != epoch) {
                return; // the filter changed: this search is cancelled
            }
            if (!ids) {
                self->m_error = ids.error().message;
                self->m_searching = false;
                ++self->m_version;
                return;
            }
            self->m_ids.insert(self->m_ids.begin(), ids->begin(), ids->end());
            const int64_t span = std::max<int64_t>(1, self->m_scan_top - floor);
            self->m_progress =
                static_cast<double>(self->m_scan_top - lo + 1) / static_cast<double>(span);
            ++self->m_version;
            if (lo <= floor + 1) {
                self->m_searching = false;
                self->m_progress = 1;
                self->on_search_done();
                return;
            }
            self->search_step(epoch, lo - 1, next_chunk);
        });
    });
}

void RequestFeed::on_search_done() {
    if (m_tail_wanted) {
        fetch_tail(); // commits that came while searching
    }
}

void RequestFeed::on_commit() {
    m_tail_wanted = true;
    if (!m_tail_in_flight && !m_searching) {
        fetch_tail();
    }
}

void RequestFeed::tick() {
    if (!m_wanted.empty() && !m_rows_in_flight) {
        fetch_rows();
    }
}

void RequestFeed::fetch_tail() {
    m_tail_wanted = false;
    m_tail_in_flight = true;
    const uint64_t epoch = m_epoch;
    const Top known{m_top, m_top_ms};
    const query::Sql sql = where_of(m_query);
    const std::string text = "SELECT id FROM requests WHERE id > ?" + and_where(sql) +
                             " ORDER BY id LIMIT " + std::to_string(k_tail_limit);
    auto shared = m_shared;
    RequestFeed* self = this;
    MainThreadQueue& ui = m_ui;
    m_worker->enqueue([=, &ui](sql::Database& db) {
        // The top first: entries committed after it come with the next tail.
        auto same = still_there(db, known);
        auto top = read_top(db);
        auto ids = select_ids(db, text, {known.id}, sql);
        ui.post([=, same = std::move(same), top = std::move(top), ids = std::move(ids)]() mutable {
            if (!shared->alive) {
                return;
            }
            self->m_tail_in_flight = false;
            if (self->m_epoch != epoch) {
                return;
            }
            if (!same || !top || !ids) {
                self->m_error = !same  ? same.error().message
                                : !top ? top.error().message
                                       : ids.error().message;
                ++self->m_version;
                return;
            }
            if (!*same) {
                self->start_search(); // entries were deleted (a reset): start over
                return;
            }
            for (int64_t id : *ids) {
                if (self->m_ids.empty() || id > self->m_ids.back()) {
                    self->m_ids.push_back(id);
                }
            }
            Top next = *top;
            if (static_cast<int64_t>(ids->size()) >= k_tail_limit) {
                // More than one tail's worth: continue from the last id taken.
                next = Top{ids->back(), -1};
                self->m_tail_wanted = true;
            }
            if (next.id > self->m_top) {
                self->m_top = next.id;
                self->m_top_ms = next.received_ms;
            }
            ++self->m_version;
            if (self->m_tail_wanted) {
                self->fetch_tail();
            }
        });
    });
}

void RequestFeed::fetch_rows() {
    m_rows_in_flight = true;
    std::string ids_json = "[";
    for (int64_t id : m_wanted) {
        if (ids_json.size() > 1) {
            ids_json += ',';
        }
        ids_json += std::to_string(id);
    }
    ids_json += ']';
    const size_t asked = m_wanted.size();
    m_wanted.clear();
    const uint64_t epoch = m_epoch;
    auto shared = m_shared;
    RequestFeed* self = this;
    MainThreadQueue& ui = m_ui;
    m_worker->enqueue_urgent([=, &ui](sql::Database& db) {
        auto rows = read_rows(db, ids_json);
        ui.post([=, rows = std::move(rows)]() mutable {
            if (!shared->alive) {
                return;
            }
            self->m_rows_in_flight = false;
            if (self->m_epoch != epoch) {
                return; // a new search cleared the cache; its rows are asked for again
            }
            if (!rows) {
                self->m_error = rows.error().message;
                ++self->m_version;
                return;
            }
            if (self->m_rows.size() + rows->size() > k_row_cache) {
                self->m_rows.clear(); // the rows on screen come back with the next frame
            }
            const bool gone = rows->size() < asked;
            for (auto& r : *rows) {
                int64_t id = r.id;
                self->m_rows[id] = std::move(r);
            }
            ++self->m_version;
            if (gone) {
                self->start_search(); // some were deleted (a reset of one write key)
            }
        });
    });
}

void RequestFeed::select(int64_t request_id) {
    if (request_id == m_selected && (m_detail || request_id == 0)) {
        return;
    }
    m_selected = request_id;
    m_detail.reset();
    ++m_version;
    if (request_id == 0) {
        return;
    }
    auto shared = m_shared;
    RequestFeed* self = this;
    MainThreadQueue& ui = m_ui;
    m_worker->enqueue_urgent([=, &ui](sql::Database& db) {
        auto d = read_detail(db, request_id);
        ui.post([=, d = std::move(d)]() mutable {
            if (!shared->alive || self->m_selected != request_id) {
                return;
            }
            if (!d) {
                self->m_error = d.error().message;
            } else {
                self->m_detail = std::move(*d);
            }
            ++self->m_version;
        });
    });
}

} // namespace rm
