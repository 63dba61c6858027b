// Tee mode, the store's side (meeting point 4 in store.hpp): the forward queue table, written
// by the writer thread only, and read by the forwarder through a read connection.
//
// The queue is a table so that requests accepted while the upstream was down survive a
// restart. It is bounded (--forward-queue): when a new request would overflow it, the writer
// drops the oldest row outside the forwarder's window (the forward_window() oldest rows, which
// forward_pending() never reads past). Dropping the oldest keeps what the upstream receives
// once it is back close to the present, like an SDK's own queue; sparing the window means
// the request the forwarder is sending (or retrying) is never dropped under it, so no request
// counts as both dropped and forwarded. With --forward-queue 1 the new request is dropped.
#include "storage/store.hpp"
#include "storage/store_impl.hpp"
#include "util/clock.hpp"
#include "util/gzip.hpp"
#include "util/log.hpp"

#include <algorithm>

namespace rm {

namespace {
// How many of the oldest queued requests the forwarder may hold at once. Small: the forwarder
// sends them one by one anyway; a few per read spare it a query per request.
constexpr int64_t k_max_window = 16;
// At most one "queue full" warning per this interval; stats count every drop.
constexpr int64_t k_drop_warning_ms = 10000;

int window_for(int64_t limit) {
    return static_cast<int>(std::clamp<int64_t>(limit - 1, 1, k_max_window));
}

Result<int64_t> count_queue(sql::Database& db) {
    auto stmt = db.prepare("SELECT COUNT(*) FROM forward_queue");
    if (!stmt) {
        return stmt.error();
    }
    auto row = stmt->step();
    if (!row) {
        return row.error();
    }
    return stmt->column_int(0);
}
} // namespace

Result<ForwardStatements> prepare_forward_statements(sql::Database& db) {
    ForwardStatements out;
    const std::pair<const char*, sql::Statement*> texts[] = {
        {"INSERT INTO forward_queue (request_id) VALUES (?)", &out.enqueue},
        {"UPDATE requests SET forward_status = -1 WHERE id IN (SELECT request_id FROM "
         "forward_queue ORDER BY request_id LIMIT ? OFFSET ?)",
         &out.mark_dropped},
        {"DELETE FROM forward_queue WHERE request_id IN (SELECT request_id FROM forward_queue "
         "ORDER BY request_id LIMIT ? OFFSET ?)",
         &out.drop},
        {"UPDATE requests SET forward_status = ? WHERE id = ?", &out.set_status},
        {"DELETE FROM forward_queue WHERE request_id = ?", &out.dequeue},
    };
    for (const auto& [text, into] : texts) {
        auto stmt = db.prepare(text);
        if (!stmt) {
            return stmt.error();
        }
        *into = std::move(*stmt);
    }
    return out;
}

// [SECTION] writer thread

Status Store::Impl::open_forward() {
    // Rows whose request is gone (a database edited by hand) would sit at the head for ever.
    if (auto st = write_db.exec("DELETE FROM forward_queue WHERE NOT EXISTS "
                                "(SELECT 1 FROM requests WHERE requests.id = request_id)");
        !st) {
        return st;
    }
    auto count = count_queue(write_db);
    if (!count) {
        return count.error();
    }
    forward.pending = *count;
    return Ok{};
}

Status Store::Impl::forward_enqueue(ForwardStatements& s, int64_t request_id) {
    if (auto st = s.enqueue.bind(1, request_id).run(); !st) {
        return st;
    }
    ++forward.pending;
    const int64_t excess = forward.pending - options.forward_queue_limit;
    if (excess <= 0) {
        return Ok{};
    }
    // Usually one row; more when a previous run queued under a larger limit.
    const int window = window_for(options.forward_queue_limit);
    if (auto st = s.mark_dropped.bind(1, excess).bind(2, window).run(); !st) {
        return st;
    }
    if (auto st = s.drop.bind(1, excess).bind(2, window).run(); !st) {
        return st;
    }
    const int dropped = write_db.changes();
    forward.pending -= dropped;
    forward.dropped += dropped;
    return Ok{};
}

Result<int64_t> Store::Impl::forward_done(ForwardStatements& s, const ForwardDoneJob& job) {
    for (const ForwardOutcome& o : job.outcomes) {
        if (auto st = s.set_status.bind(1, o.status).bind(2, o.request_id).run(); !st) {
            return st.error();
        }
        if (!o.done) {
            continue;
        }
        if (auto st = s.dequeue.bind(1, o.request_id).run(); !st) {
            return st.error();
        }
        forward.pending -= write_db.changes(); // 0 when a reset removed it meanwhile
        // Counted even then: the upstream did receive it.
        if (o.status >= 200 && o.status < 300) {
            ++forward.forwarded;
        } else {
            ++forward.failed;
        }
    }
    return static_cast<int64_t>(job.outcomes.size());
}

Status Store::Impl::forward_reset(const ResetJob& job) {
    if (!job.write_key) {
        if (auto st = write_db.exec("DELETE FROM forward_queue"); !st) {
            return st;
        }
    } else {
        // Scans the queue (bounded), not the key's requests (maybe millions).
        auto stmt = write_db.prepare("DELETE FROM forward_queue WHERE EXISTS (SELECT 1 FROM "
                                     "requests r WHERE r.id = forward_queue.request_id AND "
                                     "r.write_key = ?)");
        if (!stmt) {
            return stmt.error();
        }
        if (auto st = stmt->bind(1, *job.write_key).run(); !st) {
            return st;
        }
    }
    auto count = count_queue(write_db);
    if (!count) {
        return count.error();
    }
    forward.pending = *count;
    return Ok{};
}

void Store::Impl::forward_publish() {
    forward_forwarded.store(forward.forwarded);
    forward_failed.store(forward.failed);
    forward_dropped.store(forward.dropped);
    if (forward.dropped == forward_dropped_logged) {
        return;
    }
    const int64_t now = now_ms();
    if (now - forward_warned_ms < k_drop_warning_ms) {
        return;
    }
    log::warn("forward queue full (--forward-queue " + std::to_string(options.forward_queue_limit) +
              "): dropped " + std::to_string(forward.dropped - forward_dropped_logged) +
              " queued requests (" + std::to_string(forward.dropped) +
              " since start; is the upstream down?)");
    forward_dropped_logged = forward.dropped;
    forward_warned_ms = now;
}

// [SECTION] public API

Status Store::forward_record(std::vector<ForwardOutcome> outcomes) {
    if (outcomes.empty()) {
        return Ok{};
    }
    auto done = m_impl->submit(ForwardDoneJob{std::move(outcomes)});
    if (!done) {
        return done.error();
    }
    return Ok{};
}

int Store::forward_window() const {
    return window_for(m_impl->options.forward_queue_limit);
}

Result<std::vector<StoredRequest>> Store::forward_pending(int limit) {
    using Out = std::vector<StoredRequest>;
    auto db = m_impl->readers->acquire();
    if (!db) {
        return db.error();
    }
    auto run = [&](sql::Database& conn) -> Result<Out> {
        auto stmt = conn.prepare(
            "SELECT r.id, r.received_ms, r.received_at, r.method, r.path, r.query, r.headers, "
            "r.body, r.body_encoding, r.write_key, r.status, r.event_count, r.forward_status "
            "FROM forward_queue q JOIN requests r ON r.id = q.request_id "
            "ORDER BY q.request_id LIMIT ?");
        if (!stmt) {
            return stmt.error();
        }
        stmt->bind(1, static_cast<int64_t>(std::clamp(limit, 1, forward_window())));
        Out out;
        auto st = stmt->each_row([&](const sql::Statement& s) {
            StoredRequest r;
            r.id = s.column_int(0);
            r.record.received_ms = s.column_int(1);
            r.received_at = s.column_text(2);
            r.record.method = s.column_text(3);
            r.record.path = s.column_text(4);
            r.record.query = s.column_text(5);
            r.record.headers_json = s.column_text(6);
            r.record.body = s.column_text(7);
            if (s.column_text(8) == "gzip") {
                r.record.body = gunzip_bounded(r.record.body, SIZE_MAX).bytes;
            }
            r.record.write_key = s.column_text(9);
            r.record.status = static_cast<int>(s.column_int(10));
            r.record.event_count = static_cast<int>(s.column_int(11));
            if (!s.column_is_null(12)) {
                r.forward_status = static_cast<int>(s.column_int(12));
            }
            out.push_back(std::move(r));
        });
        if (!st) {
            return st.error();
        }
        return out;
    };
    Result<Out> out = run(**db);
    m_impl->readers->release(std::move(*db));
    return out;
}

} // namespace rm
