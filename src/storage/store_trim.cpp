// Bounded storage: the writer's trim step (--max-events, --max-db-mb, --retention), run inside
// every write transaction just before its counts are applied and it commits.
//
// The oldest rows go first, requests and events along one timeline: event ids grow with the
// ids of their requests (one writer inserts a request, then its events), so "the events of the
// oldest requests" is a prefix of the events table, and the trim only ever deletes a prefix of
// each table. Rules, each applied to the oldest rows:
//   - --max-events N: the events beyond the newest N.
//   - --retention: events and requests received before now - DURATION.
//   - --max-db-mb: while the pages in use exceed the limit, the oldest requests.
//   - events never outlive their request, and requests older than the oldest kept event go
//     with it (the journal of traffic whose events were trimmed).
// Each step deletes at most k_step rows of each table (or twice the events the transaction
// added, when more), so a trim never stalls ingest: a backlog (a lower limit at a restart) is
// worked off over the next commits. Deleted pages go to SQLite's free list and are reused, so
// the file stops growing at about the limit; it is never shrunk (VACUUM would stall ingest).
//
// Threads: writer thread only (store_impl.hpp).
#include "storage/store_impl.hpp"
#include "util/clock.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <stdexcept>

namespace rm {

namespace {
constexpr int64_t k_step = 1000;         // rows per table per commit, at least
constexpr int64_t k_requests_step = 200; // requests per commit while the file is over its size
} // namespace

Status Store::Impl::prepare_trim() {
    auto prep = [&](const char* text, sql::Statement& into) -> Status {
        auto s = write_db.prepare(text);
        if (!s) {
            return s.error();
        }
        into = std::move(*s);
        return Ok{};
    };
    for (auto [text, into] : std::initializer_list<std::pair<const char*, sql::Statement*>>{
             {"SELECT id, request_id, received_ms FROM events ORDER BY id LIMIT ?",
              &trim_sql.oldest_events},
             {"SELECT id, received_ms FROM requests ORDER BY id LIMIT ?",
              &trim_sql.oldest_requests},
             {"DELETE FROM requests WHERE id IN (SELECT id FROM requests ORDER BY id LIMIT ?)",
              &trim_sql.drop_requests},
             {"DELETE FROM forward_queue WHERE request_id <= ?", &trim_sql.drop_forward},
             {"SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM "
              "pragma_freelist_count()), (SELECT page_size FROM pragma_page_size())",
              &trim_sql.used_bytes}}) {
        if (auto st = prep(text, *into); !st) {
            return st;
        }
    }
    return Ok{};
}

Result<int64_t> Store::Impl::used_bytes() {
    auto row = trim_sql.used_bytes.step();
    if (!row) {
        return row.error();
    }
    const int64_t bytes =
        *row ? trim_sql.used_bytes.column_int(0) * trim_sql.used_bytes.column_int(1) : 0;
    trim_sql.used_bytes.reset();
    return bytes;
}

Status Store::Impl::trim(sql::Statement& drop_events, int64_t inserted) {
    const bool by_count = options.max_events > 0 && event_count > options.max_events;
    const int64_t now = now_ms();
    // The size check reads two header fields, every commit; the age check reads rows, once a
    // second unless a backlog is being worked off.
    bool by_size = false;
    if (options.max_db_bytes > 0) {
        auto bytes = used_bytes();
        if (!bytes) {
            return bytes.error();
        }
        by_size = *bytes > options.max_db_bytes;
    }
    const bool by_age = options.retention_ms > 0 && (trim_backlog || now - trim_checked_ms >= 1000);
    if (by_age) {
        trim_checked_ms = now;
    }
    if (!by_count && !by_size && !by_age) {
        trim_backlog = false;
        return Ok{};
    }
    // Rows read from each table: a whole step for age and size; for --max-events alone, which
    // at steady state drops about what the commit added, only that many and a few more (the
    // rules are prefix rules, so a short read only leaves the rest to the next commit).
    int64_t step = std::max(k_step, 2 * inserted);
    if (!by_age && !by_size) {
        step = std::min(step, 2 * (event_count - options.max_events) + 16);
    }
    const int64_t cutoff = now - options.retention_ms;

    struct OldEvent {
        int64_t id;
        int64_t request_id;
        int64_t received_ms;
    };
    std::vector<OldEvent> events;
    auto& oe = trim_sql.oldest_events;
    oe.bind(1, step);
    if (auto st = oe.each_row([&](const sql::Statement& s) {
            events.push_back({s.column_int(0), s.column_int(1), s.column_int(2)});
        });
        !st) {
        return st;
    }
    std::vector<std::pair<int64_t, int64_t>> requests; // id, received_ms
    auto& orq = trim_sql.oldest_requests;
    orq.bind(1, step);
    if (auto st = orq.each_row([&](const sql::Statement& s) {
            requests.emplace_back(s.column_int(0), s.column_int(1));
        });
        !st) {
        return st;
    }

    size_t drop_events_n = 0; // a prefix of `events`
    size_t drop_requests_n = 0;
    if (by_count) {
        drop_events_n = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(events.size()),
                                                              event_count - options.max_events));
    }
    if (by_age) {
        size_t old_events = 0;
        while (old_events < events.size() && events[old_events].received_ms < cutoff) {
            ++old_events;
        }
        size_t old_requests = 0;
        while (old_requests < requests.size() && requests[old_requests].second < cutoff) {
            ++old_requests;
        }
        drop_events_n = std::max(drop_events_n, old_events);
        drop_requests_n = std::max(drop_requests_n, old_requests);
    }
    if (by_size) { // never the requests this transaction adds
        size_t n = 0;
        while (n < requests.size() && n < static_cast<size_t>(k_requests_step) &&
               (first_new_request == 0 || requests[n].first < first_new_request)) {
            ++n;
        }
        drop_requests_n = std::max(drop_requests_n, n);
    }
    // Requests older than the oldest kept event go with the events...
    if (drop_events_n > 0) {
        const bool read_all = events.size() < static_cast<size_t>(step);
        const int64_t bound = drop_events_n < events.size() ? events[drop_events_n].request_id
                              : read_all ? events.back().request_id + 1 // none is left
                                         : events.back().request_id;    // more may follow
        while (drop_requests_n < requests.size() && requests[drop_requests_n].first < bound) {
            ++drop_requests_n;
        }
    }
    // ...and events never outlive their request.
    if (drop_requests_n > 0) {
        const bool read_all = requests.size() < static_cast<size_t>(step);
        const int64_t first_kept = drop_requests_n < requests.size()
                                       ? requests[drop_requests_n].first
                                   : read_all ? INT64_MAX
                                              : requests.back().first + 1;
        while (drop_events_n < events.size() && events[drop_events_n].request_id < first_kept) {
            ++drop_events_n;
        }
    }
    // A step that took all it read may have left more: the next commit goes on at once.
    trim_backlog = (!events.empty() && drop_events_n == events.size()) ||
                   (!requests.empty() && drop_requests_n == requests.size()) || by_size;

    if (drop_events_n > 0) {
        const auto n = static_cast<int64_t>(drop_events_n);
        if (auto st = counts.subtract_oldest_events(write_db, n); !st) {
            return st;
        }
        drop_events.bind(1, n);
        if (auto st = drop_events.run(); !st) {
            return st;
        }
        event_count -= write_db.changes();
        trimmed_events += n;
        // The messageId index forgets its oldest segment once all its events are gone.
        const bool read_all = events.size() < static_cast<size_t>(step);
        const int64_t oldest_kept = drop_events_n < events.size() ? events[drop_events_n].id
                                    : read_all                    ? INT64_MAX
                                                                  : events.back().id + 1;
        if (auto st = messages.prune(oldest_kept); !st) {
            return st;
        }
    }
    if (drop_requests_n > 0) {
        const auto n = static_cast<int64_t>(drop_requests_n);
        if (auto st = counts.subtract_oldest_requests(write_db, n); !st) {
            return st;
        }
        trim_sql.drop_requests.bind(1, n);
        if (auto st = trim_sql.drop_requests.run(); !st) {
            return st;
        }
        trimmed_requests += n;
        if (options.forward) { // queued but not relayed yet: dropped, like a full queue's
            trim_sql.drop_forward.bind(1, requests[drop_requests_n - 1].first);
            if (auto st = trim_sql.drop_forward.run(); !st) {
                return st;
            }
            forward.pending -= write_db.changes();
            forward.dropped += write_db.changes();
        }
    }
    return Ok{};
}

} // namespace rm
