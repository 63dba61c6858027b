#include "storage/store.hpp"

#include "storage/schema.hpp"
#include "storage/store_impl.hpp"
#include "util/clock.hpp"
#include "util/encoding.hpp"
#include "util/gzip.hpp"
#include "util/json_writer.hpp"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace rm {

namespace {
constexpr size_t k_compress_body_bytes = 8 * 1024;
} // namespace

std::string lint_json(const std::vector<std::string>& lint) {
    JsonWriter w;
    w.begin_array();
    for (const auto& l : lint) {
        w.value(l);
    }
    w.end_array();
    return w.take();
}

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
    auto lock = DbFileLock::acquire(impl->path);
    if (!lock) {
        return lock.error();
    }
    impl->file_lock = std::move(*lock);
    auto db = sql::Database::open(impl->path, false);
    if (!db) {
        return db.error();
    }
    impl->write_db = std::move(*db);
    if (auto st = check_ruddermock_database(impl->write_db, impl->path); !st) {
        return st.error();
    }
    // Settings of the write connection, each measured with bench/run.sh on the 2-core machine:
    // 16 KiB pages (new databases only): batches +25%; synchronous OFF unless --fsync: +30%
    // (a commit is in the OS when it returns, so it survives a crash of the process); a 16 MiB
    // page cache (64 MiB made SQLite's cache truncation dominate), allowed to grow to 128 MiB
    // of dirty pages before spilling into the WAL mid-transaction (batches +7% on a full
    // database). No mmap: every page it touched stayed resident, so the process grew with the
    // database (67 MB more at 1M events, up to the 1 GiB mapped); reading through the page
    // cache cost the writer 2-6% on singles and nothing measurable on batches.
    const bool sync = options.fsync && !impl->remove_on_close; // commits and WAL copies
    const std::string pragmas =
        std::string("PRAGMA page_size=16384; PRAGMA journal_mode=WAL;") +
        " PRAGMA synchronous=" + (sync ? "NORMAL" : "OFF") +
        "; PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY;"
        " PRAGMA cache_size=-16384; PRAGMA cache_spill=8192; PRAGMA mmap_size=0;";
    if (auto st = impl->write_db.exec(pragmas); !st) {
        return make_error(explain_database_error(impl->path, st.error().message));
    }
    if (auto st = sql::migrate(impl->write_db); !st) {
        return make_error(explain_database_error(impl->path, st.error().message));
    }
    // The number of stored events (for --max-events; counts.hpp) and the messageId index.
    auto counts = read_counts(impl->write_db);
    if (!counts) {
        return make_error(impl->path + ": " + counts.error().message);
    }
    impl->event_count = counts->events;
    if (auto st = impl->open_forward(); !st) {
        return make_error(impl->path + ": " + st.error().message);
    }
    impl->messages = MessageIndex(options.message_segment_size);
    if (auto st = impl->messages.open(impl->write_db); !st) {
        return make_error(impl->path + ": " + st.error().message);
    }
    if (auto st = impl->deliveries.open(impl->write_db); !st) {
        return make_error(impl->path + ": " + st.error().message);
    }
    if (auto st = impl->prepare_trim(); !st) {
        return make_error(impl->path + ": " + st.error().message);
    }
    Checkpointer::Options copy;
    copy.fsync = sync;
    auto checkpointer = Checkpointer::start(impl->path, impl->write_db, copy);
    if (!checkpointer) {
        return make_error(impl->path + ": " + checkpointer.error().message);
    }
    impl->checkpointer = std::move(*checkpointer);
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
    m_impl->checkpointer.reset();
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

Result<int64_t> Store::Impl::submit(WriteWork work) {
    std::optional<Result<int64_t>> result;
    uint64_t batch = 0;
    {
        std::unique_lock lock(queue_mutex);
        queue_not_full.wait(lock,
                            [&] { return queue.size() < options.queue_capacity || stopping; });
        if (stopping) {
            return make_error("the store is shutting down");
        }
        queue.push_back(WriteJob{&work, &result});
        batch = batches_taken + 1;
    }
    queue_not_empty.notify_one();
    batches_done.wait(batch);
    return std::move(*result);
}

void Store::pack_body(RequestRecord& request) {
    if (request.body_encoding.empty() && request.body.size() >= k_compress_body_bytes) {
        request.body = gzip_compress(request.body, 1);
        request.body_encoding = "gzip";
    }
}

Result<int64_t> Store::record(RequestRecord request, std::vector<EventRecord> events) {
    // On the caller's thread, so the single writer thread does not pay for it.
    pack_body(request);
    InsertJob job{std::move(request), std::move(events), {}, {}};
    job.received_at = format_rfc3339_ms(job.request.received_ms);
    job.keys.reserve(job.events.size());
    for (const auto& e : job.events) {
        job.keys.push_back(EventKeys{e.message_id.empty() ? 0 : message_key(e.message_id),
                                     key_hash(e.user_id), key_hash(e.anonymous_id),
                                     lint_json(e.lint)});
    }
    return m_impl->submit(std::move(job));
}

Result<int64_t> Store::reset(std::optional<std::string> write_key) {
    return m_impl->submit(ResetJob{std::move(write_key)});
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
