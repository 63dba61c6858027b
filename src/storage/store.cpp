#include "storage/store.hpp"

#include "storage/schema.hpp"
#include "storage/store_impl.hpp"
#include "util/clock.hpp"
#include "util/json_writer.hpp"
#include "util/log.hpp"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <unistd.h>

namespace rm {

// [SECTION] read pool

Result<std::unique_ptr<sql::Database>> ReadPool::acquire() {
    {
        std::lock_guard lock(m_mutex);
        if (!m_free.empty()) {
            auto db = std::move(m_free.back());
            m_free.pop_back();
            return db;
        }
    }
    auto db = sql::Database::open(m_path, true);
    if (!db) {
        return db.error();
    }
    return std::make_unique<sql::Database>(std::move(*db));
}

void ReadPool::release(std::unique_ptr<sql::Database> db) {
    std::lock_guard lock(m_mutex);
    m_free.push_back(std::move(db));
}

// [SECTION] open and close

namespace {
Result<std::string> temporary_db_path() {
    const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string templ = std::string(dir) + "/ruddermock-XXXXXX";
    int fd = mkstemp(templ.data());
    if (fd < 0) {
        return make_error("cannot create a temporary database in " + std::string(dir));
    }
    close(fd);
    return templ;
}

void remove_db_files(const std::string& path) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::remove((path + suffix).c_str());
    }
}
} // namespace

Store::Store(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options) {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->path = options.path;
    if (options.path == ":memory:") {
        auto tmp = temporary_db_path();
        if (!tmp) {
            return tmp.error();
        }
        impl->path = *tmp;
        impl->remove_on_close = true;
    }
    auto db = sql::Database::open(impl->path, false);
    if (!db) {
        return db.error();
    }
    impl->write_db = std::move(*db);
    const char* sync = impl->remove_on_close ? "OFF" : "NORMAL";
    if (auto st = impl->write_db.exec(
            std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=") + sync +
            "; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;");
        !st) {
        return make_error("cannot configure database " + impl->path + ": " + st.error().message);
    }
    if (auto st = sql::migrate(impl->write_db); !st) {
        return make_error(impl->path + ": " + st.error().message);
    }
    auto count = impl->write_db.prepare("SELECT COUNT(*) FROM events");
    if (!count) {
        return count.error();
    }
    if (auto row = count->step(); row && *row) {
        impl->event_count = count->column_int(0);
    }
    impl->readers = std::make_unique<ReadPool>(impl->path);
    Impl* raw = impl.get();
    impl->writer = std::thread([raw] { raw->writer_loop(); });
    return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Store::~Store() {
    {
        std::lock_guard lock(m_impl->queue_mutex);
        m_impl->stopping = true;
    }
    m_impl->queue_not_empty.notify_all();
    if (m_impl->writer.joinable()) {
        m_impl->writer.join();
    }
    m_impl->readers.reset();
    m_impl->write_db = sql::Database();
    if (m_impl->remove_on_close) {
        remove_db_files(m_impl->path);
    }
}

const std::string& Store::path() const {
    return m_impl->path;
}

// [SECTION] the write queue (meeting point 1)

Result<int64_t> Store::Impl::submit(std::variant<InsertJob, ResetJob> work) {
    std::future<Result<int64_t>> result;
    {
        std::unique_lock lock(queue_mutex);
        queue_not_full.wait(lock,
                            [&] { return queue.size() < options.queue_capacity || stopping; });
        if (stopping) {
            return make_error("the store is shutting down");
        }
        queue.push_back(WriteJob{std::move(work), {}});
        result = queue.back().done.get_future();
    }
    queue_not_empty.notify_one();
    return result.get();
}

Result<int64_t> Store::record(RequestRecord request, std::vector<EventRecord> events) {
    return m_impl->submit(InsertJob{std::move(request), std::move(events)});
}

Result<int64_t> Store::reset(std::optional<std::string> write_key) {
    return m_impl->submit(ResetJob{std::move(write_key)});
}

// [SECTION] the writer thread's transaction

struct Statements {
    sql::Statement insert_request;
    sql::Statement insert_event;
    sql::Statement find_first;
    sql::Statement savepoint;
    sql::Statement release;
    sql::Statement rollback_to;
};

namespace {

std::string lint_json(const std::vector<std::string>& lint) {
    JsonWriter w;
    w.begin_array();
    for (const auto& l : lint) {
        w.value(l);
    }
    w.end_array();
    return w.take();
}

Result<int64_t> insert(sql::Database& db, Statements& s, InsertJob& job, int64_t& event_count) {
    const auto& r = job.request;
    std::string received_at = format_rfc3339_ms(r.received_ms);
    s.insert_request.bind(1, r.received_ms)
        .bind(2, received_at)
        .bind(3, r.method)
        .bind(4, r.path)
        .bind(5, r.query)
        .bind(6, r.headers_json)
        .bind_blob(7, r.body)
        .bind(8, r.status)
        .bind(9, r.reason)
        .bind(10, r.response_body)
        .bind(11, r.write_key)
        .bind(12, r.peer)
        .bind(13, r.duration_us)
        .bind(14, static_cast<int64_t>(job.events.size()));
    if (auto st = s.insert_request.run(); !st) {
        return st.error();
    }
    int64_t request_id = db.last_insert_id();
    for (auto& e : job.events) {
        std::optional<int64_t> first;
        if (!e.message_id.empty()) {
            s.find_first.bind(1, r.write_key).bind(2, e.message_id);
            auto row = s.find_first.step();
            if (row && *row) {
                first = s.find_first.column_int(0);
                e.lint.push_back("messageId seen before (first stored as event " +
                                 std::to_string(*first) + ")");
            }
            s.find_first.reset();
        }
        const std::string lint = lint_json(e.lint); // bound without a copy: keep it alive
        s.insert_event.bind(1, request_id)
            .bind(2, r.received_ms)
            .bind(3, received_at)
            .bind(4, r.write_key)
            .bind(5, e.type)
            .bind(6, e.event_name)
            .bind(7, e.user_id)
            .bind(8, e.anonymous_id)
            .bind(9, e.message_id)
            .bind(10, lint)
            .bind(12, e.payload_json);
        if (first) {
            s.insert_event.bind(11, *first);
        } else {
            s.insert_event.bind_null(11);
        }
        if (auto st = s.insert_event.run(); !st) {
            return st.error();
        }
        ++event_count;
    }
    return request_id;
}

Result<int64_t> apply_reset(sql::Database& db, const ResetJob& job, int64_t& event_count) {
    int64_t removed = 0;
    if (!job.write_key) {
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
         "status, reason, response_body, write_key, peer, duration_us, event_count) VALUES "
         "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
         out.insert_request);
    prep("INSERT INTO events (request_id, received_ms, received_at, write_key, type, event, "
         "user_id, anonymous_id, message_id, lint, duplicate_of, payload) VALUES "
         "(?,?,?,?,?,?,?,?,?,?,?,?)",
         out.insert_event);
    prep("SELECT id FROM events WHERE write_key = ? AND message_id = ? ORDER BY id LIMIT 1",
         out.find_first);
    prep("SAVEPOINT job", out.savepoint);
    prep("RELEASE job", out.release);
    prep("ROLLBACK TO job", out.rollback_to);
    return out;
}

void Store::Impl::run_batch(std::deque<WriteJob>& batch, Statements& stmts) {
    std::vector<Result<int64_t>> results;
    results.reserve(batch.size());
    bool began = static_cast<bool>(write_db.exec("BEGIN IMMEDIATE"));
    int64_t count_before = event_count;
    for (auto& job : batch) {
        // Each job is atomic on its own; a failing job does not take the batch with it.
        stmts.savepoint.run();
        int64_t count_job = event_count;
        Result<int64_t> r = std::visit(
            [&](auto& work) -> Result<int64_t> {
                if constexpr (std::is_same_v<std::decay_t<decltype(work)>, InsertJob>) {
                    return insert(write_db, stmts, work, event_count);
                } else {
                    return apply_reset(write_db, work, event_count);
                }
            },
            job.work);
        if (r) {
            stmts.release.run();
        } else {
            stmts.rollback_to.run();
            stmts.release.run();
            event_count = count_job;
        }
        results.push_back(std::move(r));
    }
    if (options.max_events > 0 && event_count > options.max_events) {
        auto trim = write_db.prepare(
            "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT ?)");
        if (trim) {
            trim->bind(1, event_count - options.max_events);
            if (trim->run()) {
                event_count -= write_db.changes();
            }
        }
    }
    Status committed = began ? write_db.exec("COMMIT") : Status(make_error("BEGIN failed"));
    if (!committed) {
        write_db.exec("ROLLBACK");
        event_count = count_before;
        log::error("commit failed: " + committed.error().message);
    }
    for (size_t i = 0; i < batch.size(); ++i) {
        if (committed) {
            batch[i].done.set_value(std::move(results[i]));
        } else {
            batch[i].done.set_value(committed.error());
        }
    }
    // Meeting point 2: publish the commit.
    {
        std::lock_guard lock(change_mutex);
        generation.fetch_add(1);
    }
    changed.notify_all();
}

void Store::Impl::writer_loop() {
    Statements stmts = prepare_statements(write_db);
    int64_t commits = 0;
    int64_t jobs = 0;
    for (;;) {
        std::deque<WriteJob> batch;
        {
            std::unique_lock lock(queue_mutex);
            queue_not_empty.wait(lock, [&] { return !queue.empty() || stopping; });
            if (queue.empty() && stopping) {
                log::debug("writer: " + std::to_string(commits) + " commits, " +
                           std::to_string(jobs) + " jobs");
                return;
            }
            batch.swap(queue);
        }
        queue_not_full.notify_all();
        ++commits;
        jobs += static_cast<int64_t>(batch.size());
        run_batch(batch, stmts);
    }
}

uint64_t Store::generation() const {
    return m_impl->generation.load();
}

uint64_t Store::wait_for_change(uint64_t seen, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(m_impl->change_mutex);
    m_impl->changed.wait_until(lock, deadline, [&] { return m_impl->generation.load() != seen; });
    return m_impl->generation.load();
}

} // namespace rm
