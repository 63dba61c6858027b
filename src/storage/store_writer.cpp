// The store's writer thread: it takes the write queue as one batch, runs the batch in one
// transaction (inserts, resets, forward outcomes, the trim step) and publishes the commit.
#include "storage/store_impl.hpp"
#include "util/clock.hpp"
#include "util/log.hpp"

#include <pthread.h>
#include <stdexcept>
#include <sys/statvfs.h>

namespace rm {

// [SECTION] the writer thread's transaction

struct Statements {
    sql::Statement insert_request;
    sql::Statement insert_event;
    sql::Statement trim;
    sql::Statement next_request_id;
    ForwardStatements forward;
};

namespace {

// The id the next request gets: chosen here, not by SQLite, so that a first attempt can name
// itself as its delivery's first (delivery_index.hpp) in the same INSERT. 0 = not known yet.
Result<int64_t> take_request_id(Statements& s, int64_t& next) {
    if (next == 0) {
        auto row = s.next_request_id.step();
        if (!row) {
            s.next_request_id.reset();
            return row.error();
        }
        next = s.next_request_id.column_int(0);
        s.next_request_id.reset();
    }
    return next++;
}

Result<int64_t> insert(sql::Database& db, Statements& s, MessageIndex& messages,
                       DeliveryIndex& deliveries, int64_t& next_request_id, const InsertJob& job,
                       int64_t& event_count, CountDeltas& counts) {
    const auto& r = job.request;
    auto request_id = take_request_id(s, next_request_id);
    if (!request_id) {
        return request_id.error();
    }
    int64_t delivery_first = *request_id;
    if (r.delivery_key != 0) {
        auto first = deliveries.find_first(r.delivery_key);
        if (!first) {
            return first.error();
        }
        delivery_first = first->value_or(*request_id);
    }
    const std::string& received_at = job.received_at;
    s.insert_request.bind(1, r.received_ms)
        .bind(2, received_at)
        .bind(3, r.method)
        .bind(4, r.path)
        .bind(5, r.query)
        .bind(6, r.headers_json)
        .bind_blob(7, r.body)
        .bind(8, r.body_encoding)
        .bind(9, r.status)
        .bind(10, r.reason)
        .bind(11, r.response_body)
        .bind(12, r.write_key)
        .bind(13, r.peer)
        .bind(14, r.duration_us)
        .bind(15, static_cast<int64_t>(job.events.size()))
        .bind(18, r.delivery_key)
        .bind(19, static_cast<int64_t>(r.message_count))
        .bind(20, r.message_ids_json.empty() ? std::string_view("[]") : r.message_ids_json);
    if (r.fault_rule.empty()) {
        s.insert_request.bind_null(16).bind_null(17);
    } else {
        s.insert_request.bind(16, r.fault_rule).bind(17, r.fault_json);
    }
    s.insert_request.bind(21, *request_id);
    if (r.delivery_key != 0) {
        s.insert_request.bind(22, delivery_first);
    } else {
        s.insert_request.bind_null(22);
    }
    if (auto st = s.insert_request.run(); !st) {
        return st.error();
    }
    if (r.delivery_key != 0 && delivery_first == *request_id) {
        deliveries.add_first(r.delivery_key, *request_id);
    }
    counts.add_request(r.status, r.write_key);
    for (size_t i = 0; i < job.events.size(); ++i) {
        const EventRecord& e = job.events[i];
        const EventKeys& k = job.keys[i];
        std::optional<int64_t> first;
        const int64_t key = k.message_key;
        if (!e.message_id.empty()) {
            auto found = messages.find_first(key, r.write_key, e.message_id);
            if (!found) {
                return found.error();
            }
            first = *found;
        }
        std::string repeat_lint; // bound without a copy: keep it alive
        if (first) {
            std::vector<std::string> lint = e.lint;
            lint.push_back("messageId seen before (first stored as event " +
                           std::to_string(*first) + ")");
            repeat_lint = lint_json(lint);
        }
        const std::string& lint_text = first ? repeat_lint : k.lint_json;
        s.insert_event.bind(1, *request_id)
            .bind(2, r.received_ms)
            .bind(3, received_at)
            .bind(4, r.write_key)
            .bind(5, e.type)
            .bind(6, e.event_name)
            .bind(7, e.user_id)
            .bind(8, e.anonymous_id)
            .bind(9, e.message_id)
            .bind(10, lint_text)
            .bind(12, e.payload_json)
            .bind(13, k.user_key)
            .bind(14, k.anonymous_key);
        if (first) {
            s.insert_event.bind(11, *first);
        } else {
            s.insert_event.bind_null(11);
        }
        if (auto st = s.insert_event.run(); !st) {
            return st.error();
        }
        if (!e.message_id.empty() && !first) {
            messages.add_first(key, db.last_insert_id());
        }
        ++event_count;
        counts.add_event(e.type, r.write_key);
    }
    return *request_id;
}

Result<int64_t> apply_reset(sql::Database& db, MessageIndex& messages, const ResetJob& job,
                            int64_t& event_count, CountDeltas& counts) {
    int64_t removed = 0;
    if (!job.write_key) {
        if (auto st = messages.clear(); !st) {
            return st.error();
        }
        if (auto st = counts.clear_all(db); !st) {
            return st.error();
        }
        if (auto st = db.exec("DELETE FROM events"); !st) {
            return st.error();
        }
        removed = db.changes();
        if (auto st = db.exec("DELETE FROM requests"); !st) {
            return st.error();
        }
        event_count = 0;
        return removed;
    }
    if (auto st = counts.subtract_write_key(db, *job.write_key); !st) {
        return st.error();
    }
    for (const char* table : {"events", "requests"}) {
        auto stmt = db.prepare(std::string("DELETE FROM ") + table + " WHERE write_key = ?");
        if (!stmt) {
            return stmt.error();
        }
        stmt->bind(1, *job.write_key);
        if (auto st = stmt->run(); !st) {
            return st.error();
        }
        if (removed == 0 && std::string(table) == "events") {
            removed = db.changes();
        }
    }
    event_count -= removed;
    return removed;
}
} // namespace

Statements prepare_statements(sql::Database& db) {
    Statements out;
    auto prep = [&](const char* text, sql::Statement& into) {
        auto s = db.prepare(text);
        if (!s) {
            throw std::runtime_error(s.error().message); // a bug in our SQL
        }
        into = std::move(*s);
    };
    prep("INSERT INTO requests (received_ms, received_at, method, path, query, headers, body, "
         "body_encoding, status, reason, response_body, write_key, peer, duration_us, "
         "event_count, fault_rule, fault, delivery_key, message_count, message_ids, id, "
         "delivery_first) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
         out.insert_request);
    prep("SELECT COALESCE(MAX(id), 0) + 1 FROM requests", out.next_request_id);
    prep("INSERT INTO events (request_id, received_ms, received_at, write_key, type, event, "
         "user_id, anonymous_id, message_id, lint, duplicate_of, payload, user_key, anonymous_key) "
         "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
         out.insert_event);
    prep("DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT ?)", out.trim);
    auto forward = prepare_forward_statements(db);
    if (!forward) {
        throw std::runtime_error(forward.error().message); // a bug in our SQL
    }
    out.forward = std::move(*forward);
    return out;
}

std::optional<std::vector<Result<int64_t>>>
Store::Impl::run_transaction(WriteJob* jobs, size_t count, Statements& stmts) {
    std::vector<Result<int64_t>> results;
    results.reserve(count);
    if (auto st = write_db.exec("BEGIN IMMEDIATE"); !st) {
        results.assign(count, Result<int64_t>(st.error()));
        return count == 1 ? std::optional(std::move(results)) : std::nullopt;
    }
    const int64_t count_before = event_count;
    first_new_request = 0;
    next_request_id = 0;
    const ForwardCounts forward_before = forward;
    const int64_t trimmed_before[2] = {trimmed_events, trimmed_requests};
    auto fail = [&](const Error& error) -> std::optional<std::vector<Result<int64_t>>> {
        write_db.exec("ROLLBACK");
        event_count = count_before;
        forward = forward_before;
        trimmed_events = trimmed_before[0];
        trimmed_requests = trimmed_before[1];
        counts.discard();
        if (auto st = messages.reload(); !st) {
            log::error("cannot reload the messageId index: " + st.error().message);
        }
        if (auto st = deliveries.reload(); !st) {
            log::error("cannot reload the delivery index: " + st.error().message);
        }
        if (count > 1) {
            return std::nullopt; // the caller retries job by job
        }
        return std::vector<Result<int64_t>>{Result<int64_t>(error)};
    };
    for (size_t i = 0; i < count; ++i) {
        Result<int64_t> r = std::visit(
            [&](const auto& work) -> Result<int64_t> {
                using Job = std::decay_t<decltype(work)>;
                if constexpr (std::is_same_v<Job, InsertJob>) {
                    auto id = insert(write_db, stmts, messages, deliveries, next_request_id, work,
                                     event_count, counts);
                    if (id && first_new_request == 0) {
                        first_new_request = *id;
                    }
                    // Forwarded: every request whose events are stored (see store.hpp, 4).
                    if (id && options.forward && !work.events.empty()) {
                        if (auto st = forward_enqueue(stmts.forward, *id); !st) {
                            return st.error();
                        }
                    }
                    return id;
                } else if constexpr (std::is_same_v<Job, ResetJob>) {
                    if (auto st = forward_reset(work); !st) { // before the requests go
                        return st.error();
                    }
                    next_request_id = 0; // SQLite's choice after a reset: read it again
                    return apply_reset(write_db, messages, work, event_count, counts);
                } else {
                    return forward_done(stmts.forward, work);
                }
            },
            *jobs[i].work);
        if (!r) {
            return fail(r.error());
        }
        results.push_back(std::move(r));
    }
    if (auto st = messages.before_commit(); !st) {
        return fail(st.error());
    }
    if (auto st = trim(stmts.trim, std::max<int64_t>(0, event_count - count_before)); !st) {
        return fail(st.error());
    }
    if (auto st = counts.apply(write_db); !st) {
        return fail(st.error());
    }
    if (auto st = write_db.exec("COMMIT"); !st) {
        return fail(st.error());
    }
    forward_publish();
    trimmed_events_published.store(trimmed_events);
    trimmed_requests_published.store(trimmed_requests);
    return results;
}

void Store::Impl::run_batch(std::vector<WriteJob>& batch, Statements& stmts) {
    // Group commit: every queued job in one transaction. Should any job fail (a bug or a full
    // disk), the jobs are retried one transaction each, so one bad job fails only itself.
    auto results = run_transaction(&batch[0], batch.size(), stmts);
    if (!results) {
        results.emplace();
        for (auto& job : batch) {
            results->push_back(std::move(run_transaction(&job, 1, stmts)->front()));
        }
    }
    {
        std::lock_guard lock(recent.mutex());
        for (size_t i = 0; i < batch.size(); ++i) {
            const auto* insert = std::get_if<InsertJob>(batch[i].work);
            if ((*results)[i] && insert && !insert->events.empty()) {
                recent.add(insert->request.received_ms,
                           static_cast<int64_t>(insert->events.size()));
            } else if ((*results)[i] && std::holds_alternative<ResetJob>(*batch[i].work) &&
                       !std::get<ResetJob>(*batch[i].work).write_key) {
                recent.clear_locked();
            }
        }
    }
    report_failures(*results);
    for (size_t i = 0; i < batch.size(); ++i) {
        *batch[i].result = std::move((*results)[i]);
    }
    // Meeting point 2: publish the commit.
    {
        std::lock_guard lock(change_mutex);
        generation.fetch_add(1);
    }
    changed.notify_all();
}

namespace {
// For an I/O error: the free space of the database's filesystem, so a full disk is plain.
std::string free_space_hint(const std::string& path) {
    const auto slash = path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
    struct statvfs fs {};
    if (statvfs(dir.c_str(), &fs) != 0) {
        return "";
    }
    const auto free_mb = static_cast<int64_t>(fs.f_bavail * fs.f_frsize / (1024 * 1024));
    return " (" + std::to_string(free_mb) + " MB free on its filesystem" +
           (free_mb < 64 ? ": the disk is full" : "") + ")";
}
} // namespace

void Store::Impl::report_failures(const std::vector<Result<int64_t>>& results) {
    // A full disk fails every job until space returns: say so once, then every 10 s, and say
    // when writes succeed again, instead of one line per refused request.
    const int64_t now = now_ms();
    int64_t failed = 0;
    const Error* error = nullptr;
    for (const auto& r : results) {
        if (!r) {
            ++failed;
            error = &r.error();
        }
    }
    if (failed > 0) {
        if (failing.jobs == 0) {
            failing.since_ms = now;
            failing.logged_ms = now;
            log::error("cannot write to " + path + ": " + error->message + free_space_hint(path) +
                       "; requests are answered 500 and stored nowhere until writes succeed "
                       "again (retried with every request)");
        } else if (now - failing.logged_ms >= 10000) {
            failing.logged_ms = now;
            log::error("writes to " + path + " still failing (" + error->message +
                       "): " + std::to_string(failing.jobs + failed) + " requests refused since " +
                       format_rfc3339_ms(failing.since_ms));
        }
        failing.jobs += failed;
    } else if (failing.jobs > 0 && !results.empty()) {
        log::info("writes to " + path + " succeed again, after " + std::to_string(failing.jobs) +
                  " refused requests over " +
                  std::to_string((now - failing.since_ms + 500) / 1000) +
                  " s; everything acknowledged before is stored");
        failing.jobs = 0;
    }
}

void Store::Impl::writer_loop() {
    pthread_setname_np(pthread_self(), "rm-writer"); // names it in top -H and perf
    Statements stmts = prepare_statements(write_db);
    int64_t commits = 0;
    int64_t jobs = 0;
    for (;;) {
        std::vector<WriteJob> batch;
        uint64_t number = 0;
        {
            std::unique_lock lock(queue_mutex);
            queue_not_empty.wait(lock, [&] { return !queue.empty() || stopping; });
            if (queue.empty() && stopping) {
                log::debug("writer: " + std::to_string(commits) + " commits, " +
                           std::to_string(jobs) + " jobs");
                return;
            }
            batch.swap(queue);
            number = ++batches_taken;
        }
        queue_not_full.notify_all();
        ++commits;
        jobs += static_cast<int64_t>(batch.size());
        run_batch(batch, stmts);
        batches_done.publish(number);
    }
}

} // namespace rm
