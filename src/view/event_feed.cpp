#include "view/event_feed.hpp"

#include "storage/store.hpp"
#include "util/clock.hpp"
#include "util/gzip.hpp"
#include "view/feed_sql.hpp"

#include <algorithm>
#include <chrono>

namespace rm {

namespace {
// A search covers this many ids per step at first; steps grow while they stay quick, so an
// indexed filter covers a million ids in a few steps and a scan still reports progress.
constexpr int64_t k_first_chunk = 20000;
constexpr int64_t k_max_chunk = 1 << 22;
constexpr auto k_step_target = std::chrono::milliseconds(60);
constexpr size_t k_row_cache = 20000;

using feed_sql::select_ids;

std::string from_clause(const query::Sql& sql) {
    return sql.needs_requests ? " FROM events AS e JOIN requests AS r ON r.id = e.request_id"
                              : " FROM events AS e";
}

std::string and_where(const query::Sql& sql) {
    return sql.where.empty() ? std::string() : " AND (" + sql.where + ")";
}

const char* sort_expression(SortColumn c) {
    switch (c) {
    case SortColumn::time:
        return "e.id";
    case SortColumn::type:
        return "e.type";
    case SortColumn::event:
        return "e.event";
    case SortColumn::user:
        return "e.user_id";
    case SortColumn::anon:
        return "e.anonymous_id";
    case SortColumn::key:
        return "e.write_key";
    case SortColumn::status:
        return "(SELECT status FROM requests WHERE id = e.request_id)";
    }
    return "e.id";
}

int lint_count(const std::string& lint_json) {
    // A JSON array of strings: count the top-level string starts.
    if (lint_json.size() <= 2) {
        return 0;
    }
    int n = 0;
    bool in_string = false;
    for (size_t i = 0; i < lint_json.size(); ++i) {
        char c = lint_json[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
            ++n;
        }
    }
    return n;
}
} // namespace

Result<std::unique_ptr<EventFeed>> EventFeed::open(const std::string& db_path, Store* live,
                                                   MainThreadQueue& ui) {
    auto worker = QueryWorker::start(db_path);
    if (!worker) {
        return worker.error();
    }
    std::unique_ptr<EventFeed> feed(new EventFeed(db_path, live, ui, std::move(*worker)));
    feed->start_search();
    return feed;
}

EventFeed::EventFeed(std::string db_path, Store* live, MainThreadQueue& ui,
                     std::unique_ptr<QueryWorker> worker)
    : m_db_path(std::move(db_path)), m_live(live), m_ui(ui), m_worker(std::move(worker)),
      m_shared(std::make_shared<Shared>()) {
    if (m_live) {
        m_seen_generation = m_live->generation();
        m_generation_posted.store(m_seen_generation);
        // Watched from this generation on: read here, not when the thread gets to run, or a
        // commit between the two (a busy machine) is never seen until the next one.
        m_watcher = std::thread([this, from = m_seen_generation] { watch_generation(from); });
    }
}

EventFeed::~EventFeed() {
    m_shared->alive = false; // tasks still queued on the UI queue become no-ops
    m_stop.store(true);
    if (m_watcher.joinable()) {
        m_watcher.join();
    }
    m_worker.reset(); // joins: no job runs after this
}

void EventFeed::watch_generation(uint64_t seen) {
    // Sleeps on the store's generation counter; wakes the UI at most every 30 ms.
    while (!m_stop.load()) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
        uint64_t now = m_live->wait_for_change(seen, deadline);
        if (now != seen) {
            seen = now;
            m_generation_posted.store(now);
            m_ui.post([] {}); // the tick that follows sees the new generation
            std::this_thread::sleep_for(std::chrono::milliseconds(30));
        }
    }
}

Status EventFeed::set_filter(std::string_view text) {
    auto parsed = query::parse(text);
    if (!parsed) {
        return parsed.error();
    }
    auto sql = query::compile(*parsed);
    if (!sql) {
        return sql.error();
    }
    m_filter_text = std::string(text);
    m_sql = std::move(*sql);
    start_search();
    return Ok{};
}

void EventFeed::set_sort(SortColumn column, bool descending) {
    if (column == m_sort && descending == m_descending) {
        return;
    }
    const bool requery = column != SortColumn::time || m_sort != SortColumn::time;
    m_sort = column;
    m_descending = descending;
    ++m_version;
    if (requery) {
        start_search();
    }
}

void EventFeed::set_paused(bool paused) {
    m_paused = paused;
    ++m_version;
    if (!paused) {
        m_tail_wanted = true;
        m_totals_wanted = true;
    }
}

int64_t EventFeed::id_at(size_t index) const {
    if (index >= m_ids.size()) {
        return 0;
    }
    // Time sorts keep ascending ids and show them reversed for "newest first"; other sorts
    // come from the worker in the order asked for.
    if (m_sort == SortColumn::time && m_descending) {
        return m_ids[m_ids.size() - 1 - index];
    }
    return m_ids[index];
}

std::optional<size_t> EventFeed::index_of(int64_t id) const {
    if (m_sort == SortColumn::time) {
        auto it = std::lower_bound(m_ids.begin(), m_ids.end(), id);
        if (it == m_ids.end() || *it != id) {
            return std::nullopt;
        }
        size_t i = static_cast<size_t>(it - m_ids.begin());
        return m_descending ? m_ids.size() - 1 - i : i;
    }
    auto it = std::find(m_ids.begin(), m_ids.end(), id);
    if (it == m_ids.end()) {
        return std::nullopt;
    }
    return static_cast<size_t>(it - m_ids.begin());
}

const EventRow* EventFeed::row(size_t index) {
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

void EventFeed::start_search() {
    ++m_epoch;
    m_ids.clear();
    m_top = 0;
    m_error.clear();
    m_searching = true;
    m_progress = 0;
    m_tail_wanted = false;
    m_resort_wanted = false;
    ++m_version;
    const uint64_t epoch = m_epoch;
    auto shared = m_shared;
    EventFeed* self = this;
    MainThreadQueue& ui = m_ui;
    if (m_sort != SortColumn::time) {
        // One query for the whole sorted list (ids only: 8 bytes per event).
        std::string text = std::string("SELECT e.id") + from_clause(m_sql) + " WHERE 1" +
                           and_where(m_sql) + " ORDER BY " + sort_expression(m_sort) +
                           (m_descending ? " DESC, e.id DESC" : ", e.id");
        m_worker->enqueue([=, sql = m_sql, &ui](sql::Database& db) {
            auto top = select_ids(db, "SELECT COALESCE(MAX(id), 0) FROM events", {}, {});
            auto ids = select_ids(db, text, {}, sql);
            ui.post([=, ids = std::move(ids)]() mutable {
                if (!shared->alive || self->m_epoch != epoch) {
                    return;
                }
                self->m_searching = false;
                self->m_progress = 1;
                if (!ids || !top) {
                    self->m_error = !ids ? ids.error().message : top.error().message;
                } else {
                    self->m_ids.assign(ids->begin(), ids->end());
                    self->m_top = top->empty() ? 0 : top->front();
                }
                ++self->m_version;
            });
        });
        return;
    }
    m_worker->enqueue([=, &ui](sql::Database& db) {
        auto range = select_ids(
            db,
            "SELECT COALESCE(MAX(id), 0) FROM events UNION ALL SELECT COALESCE(MIN(id), 0) "
            "FROM events",
            {}, {});
        ui.post([=, range = std::move(range)]() mutable {
            if (!shared->alive || self->m_epoch != epoch) {
                return;
            }
            if (!range || range->size() != 2) {
                self->m_error = range ? "cannot read the id range" : range.error().message;
                self->m_searching = false;
                ++self->m_version;
                return;
            }
            self->m_top = (*range)[0];
            self->m_scan_top = self->m_top;
            self->m_scan_low = (*range)[1] > 0 ? (*range)[1] - 1 : 0;
            if (self->m_top == 0) {
                self->m_searching = false;
                self->m_progress = 1;
                ++self->m_version;
                return;
            }
            self->search_step(epoch, self->m_top, k_first_chunk);
        });
    });
}

void EventFeed::search_step(uint64_t epoch, int64_t hi, int64_t chunk) {
    const int64_t floor = m_scan_low;
    const int64_t lo = std::max(floor + 1, hi - chunk + 1);
    std::string text = "SELECT e.id" + from_clause(m_sql) + " WHERE e.id BETWEEN ? AND ?" +
                       and_where(m_sql) + " ORDER BY e.id";
    auto shared = m_shared;
    EventFeed* self = this;
    MainThreadQueue& ui = m_ui;
    m_worker->enqueue([=, sql = m_sql, &ui](sql::Database& db) {
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
                return;
            }
            self->search_step(epoch, lo - 1, next_chunk);
        });
    });
}

void EventFeed::tick() {
    ++m_frame;
    if (m_live) {
        uint64_t g = m_generation_posted.load();
        if (g != m_seen_generation) {
            m_seen_generation = g;
            m_totals_wanted = true;
            if (m_sort == SortColumn::time) {
                m_tail_wanted = true;
            } else {
                m_resort_wanted = true;
            }
        }
    }
    if (!m_paused && m_tail_wanted && !m_tail_in_flight && m_top > 0 && !m_searching) {
        fetch_tail();
    } else if (!m_paused && m_tail_wanted && m_top == 0 && !m_searching) {
        start_search(); // the list was empty: search again from the new top
    }
    if (!m_paused && m_resort_wanted && !m_searching) {
        start_search();
    }
    if (!m_wanted.empty() && !m_rows_in_flight) {
        fetch_rows();
    }
    if (m_totals_wanted && !m_totals_in_flight && now_ms() >= m_totals_due_ms && !m_paused) {
        fetch_totals();
    }
}

void EventFeed::fetch_tail() {
    m_tail_wanted = false;
    m_tail_in_flight = true;
    const uint64_t epoch = m_epoch;
    const int64_t after = m_top;
    std::string text = "SELECT e.id" + from_clause(m_sql) + " WHERE e.id > ?" + and_where(m_sql) +
                       " ORDER BY e.id";
    auto top_text = "SELECT COALESCE(MAX(id), 0) FROM events";
    auto shared = m_shared;
    EventFeed* self = this;
    MainThreadQueue& ui = m_ui;
    m_worker->enqueue([=, sql = m_sql, &ui](sql::Database& db) {
        // The top first: ids committed after it come with the next tail.
        auto top = select_ids(db, top_text, {}, {});
        auto ids = select_ids(db, text + " LIMIT 100000", {after}, sql);
        ui.post([=, ids = std::move(ids), top = std::move(top)]() mutable {
            if (!shared->alive) {
                return;
            }
            self->m_tail_in_flight = false;
            if (self->m_epoch != epoch) {
                return;
            }
            if (self->m_paused) {
                // Asked before the pause: the list stays as it was (resuming asks again).
                return;
            }
            if (!ids || !top) {
                self->m_error = !ids ? ids.error().message : top.error().message;
                ++self->m_version;
                return;
            }
            for (int64_t id : *ids) {
                if (self->m_ids.empty() || id > self->m_ids.back()) {
                    self->m_ids.push_back(id);
                }
            }
            int64_t new_top = top->empty() ? after : top->front();
            if (!ids->empty()) {
                new_top = std::max(new_top, ids->back());
            }
            if (new_top < after) {
                self->start_search(); // rows were deleted (a reset): start over
                return;
            }
            self->m_top = std::max(self->m_top, new_top);
            ++self->m_version;
        });
    });
}

void EventFeed::fetch_rows() {
    m_rows_in_flight = true;
    std::string ids_json = "[";
    for (int64_t id : m_wanted) {
        if (ids_json.size() > 1) {
            ids_json += ',';
        }
        ids_json += std::to_string(id);
    }
    ids_json += ']';
    m_wanted.clear();
    auto shared = m_shared;
    EventFeed* self = this;
    MainThreadQueue& ui = m_ui;
    m_worker->enqueue_urgent([=, &ui](sql::Database& db) {
        std::vector<EventRow> rows;
        auto stmt = db.prepare(
            "SELECT e.id, e.request_id, e.received_ms, e.type, "
            // Pages and screens are named by "name", groups by "groupId".
            "CASE WHEN e.event <> '' THEN e.event ELSE COALESCE(json_extract(e.payload, "
            "CASE e.type WHEN 'group' THEN '$.groupId' WHEN 'alias' THEN '$.previousId' "
            "ELSE '$.name' END), '') END, e.user_id, "
            "e.anonymous_id, e.write_key, e.message_id, e.lint, e.duplicate_of IS NOT NULL, "
            "COALESCE(r.status, 0), COALESCE(r.fault_rule, '') FROM events AS e "
            "LEFT JOIN requests AS r ON r.id = e.request_id "
            "WHERE e.id IN (SELECT value FROM json_each(?))");
        Status st = stmt ? Status(Ok{}) : Status(stmt.error());
        if (stmt) {
            stmt->bind(1, ids_json);
            st = stmt->each_row([&](const sql::Statement& s) {
                EventRow r;
                r.id = s.column_int(0);
                r.request_id = s.column_int(1);
                r.received_ms = s.column_int(2);
                r.type = s.column_text(3);
                r.event = s.column_text(4);
                r.user_id = s.column_text(5);
                r.anonymous_id = s.column_text(6);
                r.write_key = s.column_text(7);
                r.message_id = s.column_text(8);
                r.lint_count = lint_count(s.column_text(9));
                r.duplicate = s.column_int(10) != 0;
                r.status = static_cast<int>(s.column_int(11));
                r.fault_rule = s.column_text(12);
                rows.push_back(std::move(r));
            });
        }
        ui.post([=, rows = std::move(rows)]() mutable {
            if (!shared->alive) {
                return;
            }
            self->m_rows_in_flight = false;
            if (!st) {
                self->m_error = st.error().message;
            }
            if (self->m_rows.size() + rows.size() > k_row_cache) {
                self->m_rows.clear(); // the rows on screen come back with the next frame
            }
            for (auto& r : rows) {
                int64_t id = r.id;
                self->m_rows[id] = std::move(r);
            }
            ++self->m_version;
        });
    });
}

} // namespace rm
