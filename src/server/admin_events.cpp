// The admin API's event routes: GET /_mock/events (a page of events), /_mock/events/{id} and
// /_mock/wait (until enough events match, or a time-out).
#include "server/admin.hpp"

#include "query/filter.hpp"
#include "util/json_writer.hpp"

#include <algorithm>
#include <chrono>
#include <httplib.h>

namespace rm {

namespace {
using admin::int_param;
using admin::read_paging;
using admin::send_error;
using admin::send_json;

// before and scan, the event listing's cursor and scan budget (storage/store.hpp).
Result<EventPageOptions> page_options(const httplib::Request& req) {
    auto before = int_param(req, "before", 0, 1, INT64_MAX);
    if (!before) {
        return before.error();
    }
    auto scan = int_param(req, "scan", k_default_scan_budget, 0, INT64_MAX);
    if (!scan) {
        return scan.error();
    }
    return EventPageOptions{.before = req.has_param("before") ? *before : 0, .scan_budget = *scan};
}

Result<EventFilter> event_filter(const httplib::Request& req) {
    EventFilter f;
    f.type = req.get_param_value("type");
    f.event_name = req.get_param_value("event");
    f.user_id = req.get_param_value("userId");
    f.anonymous_id = req.get_param_value("anonymousId");
    f.message_id = req.get_param_value("messageId");
    f.write_key = req.get_param_value("writeKey");
    f.text = req.get_param_value("q");
    f.expression = req.get_param_value("filter");
    if (!f.expression.empty()) {
        // Checked here too so that a bad expression is the client's 400, not the store's 500.
        auto parsed = query::parse(f.expression);
        if (!parsed) {
            return parsed.error();
        }
        if (auto compiled = query::compile(*parsed); !compiled) {
            return compiled.error();
        }
    }
    if (auto st = read_paging(req, f.since, f.limit, f.descending); !st) {
        return st.error();
    }
    return f;
}

void write_event(JsonWriter& w, const StoredEvent& e) {
    w.begin_object();
    w.key("id").value(e.id);
    w.key("request_id").value(e.request_id);
    w.key("received_at").value(e.received_at);
    w.key("write_key").value(e.write_key);
    w.key("type").value(e.type);
    w.key("event").value(e.event_name);
    w.key("user_id").value(e.user_id);
    w.key("anonymous_id").value(e.anonymous_id);
    w.key("message_id").value(e.message_id);
    w.key("lint").raw(e.lint_json);
    w.key("duplicate_of");
    if (e.duplicate_of) {
        w.value(*e.duplicate_of);
    } else {
        w.null();
    }
    w.key("payload").raw(e.payload_json);
    w.end_object();
}

// What follows the events in an answer. next_since is raised to every listed id.
struct PageEnd {
    int64_t next_since = 0;
    bool truncated = false;
    bool newest_first = false; // then also "next_before": next_before, or null when 0
    int64_t next_before = 0;
};

std::string events_body(const std::vector<StoredEvent>& events, PageEnd end) {
    JsonWriter w;
    w.begin_object().key("events").begin_array();
    for (const auto& e : events) {
        write_event(w, e);
        end.next_since = std::max(end.next_since, e.id);
    }
    w.end_array().key("next_since").value(end.next_since).key("truncated").value(end.truncated);
    if (end.newest_first) {
        w.key("next_before");
        if (end.next_before > 0) {
            w.value(end.next_before);
        } else {
            w.null();
        }
    }
    w.end_object();
    return w.take();
}

// The listing's cursors. Oldest first, next_since continues (past every id a budgeted scan
// examined). Newest first, next_before continues: after a truncated page, the oldest id
// examined; after a full page, its oldest event; null when nothing older can match.
PageEnd page_end(const EventFilter& f, const EventPage& page) {
    PageEnd end{.next_since = f.since, .truncated = page.truncated, .newest_first = f.descending};
    if (!f.descending && page.budgeted) {
        end.next_since = std::max(f.since, page.scanned_through);
    }
    if (f.descending && page.truncated) {
        end.next_before = page.scanned_after + 1;
    } else if (f.descending && static_cast<int64_t>(page.events.size()) >= f.limit) {
        end.next_before = page.events.back().id;
    }
    return end;
}
// A wait whose filter reads payloads: ids are examined once each, in windows of the scan
// budget from since upwards, so the deadline is checked between windows and a commit costs a
// scan of the new events only. Oldest first it answers the first limit matches after since;
// newest first, the newest limit matches once every stored id was examined. Events deleted
// while it waits may still be in the answer, unless the newest were deleted (a reset): then
// ids are reused and it starts again.
void wait_scanning(Store& store, EventFilter filter, const EventPageOptions& options, int64_t count,
                   std::chrono::steady_clock::time_point deadline, httplib::Response& res) {
    const bool newest_first = filter.descending;
    const int64_t since = filter.since;
    const auto limit = static_cast<size_t>(filter.limit);
    std::vector<StoredEvent> found; // oldest first
    int64_t cursor = since;         // every id up to here was examined
    filter.descending = false;
    for (;;) {
        uint64_t seen = store.generation();
        filter.since = cursor;
        filter.limit = static_cast<int>(newest_first ? limit : limit - found.size());
        auto page = store.events_page(filter, options);
        if (!page) {
            send_error(res, 500, page.error().message);
            return;
        }
        if (page->newest_id < cursor && cursor > since) {
            found.clear(); // the newest events were deleted: their ids come again
            cursor = since;
            continue;
        }
        found.insert(found.end(), page->events.begin(), page->events.end());
        if (found.size() > limit) {
            found.erase(found.begin(), found.end() - static_cast<ptrdiff_t>(limit));
        }
        cursor = std::max(cursor, page->scanned_through);
        // Caught up: the window reached the newest event without filling the page.
        bool caught_up =
            !page->truncated && page->events.size() < static_cast<size_t>(filter.limit);
        bool enough = static_cast<int64_t>(found.size()) >= count && (caught_up || !newest_first);
        bool late = std::chrono::steady_clock::now() >= deadline;
        if (enough || late) {
            if (newest_first) {
                std::reverse(found.begin(), found.end());
            }
            send_json(res, enough ? 200 : 408,
                      events_body(found, PageEnd{.next_since = cursor, .truncated = !caught_up}));
            return;
        }
        if (caught_up) {
            store.wait_for_change(seen, deadline);
        }
    }
}

} // namespace

void AdminApi::list_events(const httplib::Request& req, httplib::Response& res) {
    auto filter = event_filter(req);
    auto options = page_options(req);
    if (!filter || !options) {
        send_error(res, 400, !filter ? filter.error().message : options.error().message);
        return;
    }
    auto page = m_store.events_page(*filter, *options);
    if (!page) {
        send_error(res, 500, page.error().message);
        return;
    }
    send_json(res, 200, events_body(page->events, page_end(*filter, *page)));
}

void AdminApi::get_event(int64_t id, httplib::Response& res) {
    auto event = m_store.event_by_id(id);
    if (!event) {
        send_error(res, 500, event.error().message);
    } else if (!*event) {
        send_error(res, 404, "no event with id " + std::to_string(id));
    } else {
        JsonWriter w;
        write_event(w, **event);
        send_json(res, 200, w.take());
    }
}

void AdminApi::wait(const httplib::Request& req, httplib::Response& res) {
    auto filter = event_filter(req);
    auto options = page_options(req);
    auto count = int_param(req, "count", 1, 1, 10000);
    auto timeout = int_param(req, "timeout_ms", 5000, 0, m_options.max_wait_ms);
    if (!filter || !options || !count || !timeout) {
        send_error(res, 400,
                   !filter    ? filter.error().message
                   : !options ? options.error().message
                   : !count   ? count.error().message
                              : timeout.error().message);
        return;
    }
    filter->limit = std::max<int>(filter->limit, static_cast<int>(*count));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(*timeout);
    if (options->scan_budget > 0 && Store::scan_budget_applies(*filter)) {
        wait_scanning(m_store, *filter, *options, *count, deadline, res);
        return;
    }
    for (;;) {
        // Read the generation first: a commit after the query still wakes the wait below.
        uint64_t seen = m_store.generation();
        auto page = m_store.events_page(*filter, *options);
        if (!page) {
            send_error(res, 500, page.error().message);
            return;
        }
        bool enough = static_cast<int64_t>(page->events.size()) >= *count;
        if (enough || std::chrono::steady_clock::now() >= deadline) {
            send_json(res, enough ? 200 : 408,
                      events_body(page->events, PageEnd{.next_since = filter->since}));
            return;
        }
        m_store.wait_for_change(seen, deadline);
    }
}

} // namespace rm
