// EventFeed: the selected event's detail and the totals of the status bar.
#include "storage/counts.hpp"
#include "util/clock.hpp"
#include "util/gzip.hpp"
#include "view/event_feed.hpp"
#include "view/feed_sql.hpp"

namespace rm {

namespace {
// Counting scans the tables: at most once a second while traffic flows.
constexpr int64_t k_totals_every_ms = 1000;

Result<EventDetail> read_detail(sql::Database& db, int64_t event_id) {
    EventDetail d;
    auto ev = db.prepare("SELECT id, request_id, received_at, write_key, type, event, user_id, "
                         "anonymous_id, message_id, lint, duplicate_of, payload FROM events "
                         "WHERE id = ?");
    if (!ev) {
        return ev.error();
    }
    ev->bind(1, event_id);
    bool found = false;
    auto st = ev->each_row([&](const sql::Statement& s) {
        found = true;
        auto& e = d.event;
        e.id = s.column_int(0);
        e.request_id = s.column_int(1);
        e.received_at = s.column_text(2);
        e.write_key = s.column_text(3);
        e.type = s.column_text(4);
        e.event_name = s.column_text(5);
        e.user_id = s.column_text(6);
        e.anonymous_id = s.column_text(7);
        e.message_id = s.column_text(8);
        e.lint_json = s.column_text(9);
        if (!s.column_is_null(10)) {
            e.duplicate_of = s.column_int(10);
        }
        e.payload_json = s.column_text(11);
    });
    if (!st) {
        return st.error();
    }
    if (!found) {
        return make_error("event " + std::to_string(event_id) + " is gone (reset or trimmed)");
    }
    auto rq = feed_sql::read_request(db, d.event.request_id);
    if (!rq) {
        return rq.error();
    }
    d.request = std::move(*rq);
    if (d.request) {
        auto attempts = feed_sql::read_attempts(db, d.request->delivery_first);
        if (!attempts) {
            return attempts.error();
        }
        d.attempts = std::move(*attempts);
    }
    return d;
}

Result<FeedTotals> read_totals(sql::Database& db) {
    FeedTotals t;
    t.at_ms = now_ms();
    db.exec("BEGIN"); // one snapshot: the numbers agree with each other
    Status st = Ok{};
    if (auto counts = read_counts(db); !counts) { // counts.hpp: a few rows, no scan
        st = counts.error();
    } else {
        t.events = counts->events;
        t.requests = counts->requests;
        t.by_type = std::move(counts->events_by_type);
        t.by_status = std::move(counts->requests_by_status);
        t.by_key = std::move(counts->requests_by_write_key);
    }
    db.exec("COMMIT");
    if (!st) {
        return st.error();
    }
    return t;
}
} // namespace

void EventFeed::select(int64_t event_id) {
    if (event_id == m_selected && m_detail) {
        return;
    }
    m_selected = event_id;
    m_detail.reset();
    ++m_version;
    if (event_id == 0) {
        return;
    }
    load_detail(event_id, [this, event_id](EventDetail d) {
        if (m_selected == event_id) {
            m_detail = std::move(d);
        }
    });
}

void EventFeed::load_detail(int64_t event_id, std::function<void(EventDetail)> done) {
    auto shared = m_shared;
    EventFeed* self = this;
    MainThreadQueue& ui = m_ui;
    m_worker->enqueue_urgent([=, &ui](sql::Database& db) {
        auto d = read_detail(db, event_id);
        ui.post([=, d = std::move(d)]() mutable {
            if (!shared->alive) {
                return;
            }
            if (!d) {
                self->m_error = d.error().message;
            } else {
                done(std::move(*d));
            }
            ++self->m_version;
        });
    });
}

void EventFeed::fetch_totals() {
    m_totals_wanted = false;
    m_totals_in_flight = true;
    auto shared = m_shared;
    EventFeed* self = this;
    MainThreadQueue& ui = m_ui;
    m_worker->enqueue([=, &ui](sql::Database& db) {
        auto t = read_totals(db);
        ui.post([=, t = std::move(t)]() mutable {
            if (!shared->alive) {
                return;
            }
            self->m_totals_in_flight = false;
            self->m_totals_due_ms = now_ms() + k_totals_every_ms;
            if (t) {
                self->m_totals = std::move(*t);
            } else {
                self->m_error = t.error().message;
            }
            ++self->m_version;
        });
    });
}

} // namespace rm
