#include "storage/checkpointer.hpp"

#include "util/log.hpp"

#include <pthread.h>
#include <sqlite3.h>

namespace rm {

Result<std::unique_ptr<Checkpointer>> Checkpointer::start(const std::string& path,
                                                          sql::Database& writer, Options options) {
    auto db = sql::Database::open(path, false);
    if (!db) {
        return db.error();
    }
    // The copy syncs the file only when commits are synced too (StoreOptions::fsync).
    if (auto st = db->exec(options.fsync ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=OFF");
        !st) {
        return st.error();
    }
    std::unique_ptr<Checkpointer> out(new Checkpointer(std::move(*db), writer, options));
    sqlite3_wal_hook(writer.handle(), &Checkpointer::hook, out.get());
    Checkpointer* raw = out.get();
    out->m_thread = std::thread([raw] { raw->run(); });
    return out;
}

Checkpointer::Checkpointer(sql::Database own, sql::Database& writer, Options options)
    : m_db(std::move(own)), m_writer(writer), m_options(options) {}

Checkpointer::~Checkpointer() {
    sqlite3_wal_hook(m_writer.handle(), nullptr, nullptr);
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

int Checkpointer::hook(void* self, sqlite3* db, const char* /*name*/, int frames) {
    static_cast<Checkpointer*>(self)->committed(db, frames);
    return SQLITE_OK; // the commit itself succeeded, whatever the copy does
}

void Checkpointer::committed(sqlite3* db, int frames) {
    if (frames >= m_options.catch_up_pages) {
        // SQLITE_BUSY without waiting while the thread copies: tried again after the next
        // commit. Any other failure (a full disk) is the thread's to report.
        if (sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) ==
            SQLITE_OK) {
            ++m_writer_copies;
        }
        return;
    }
    if (frames >= m_options.start_pages) {
        {
            std::lock_guard lock(m_mutex);
            m_pending = true;
        }
        m_wake.notify_one();
    }
}

void Checkpointer::run() {
    pthread_setname_np(pthread_self(), "rm-checkpoint"); // names it in top -H and perf
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return m_pending || m_stopping; });
            if (m_stopping) {
                return;
            }
            m_pending = false;
        }
        const int rc = sqlite3_wal_checkpoint_v2(m_db.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                                 nullptr, nullptr);
        if (rc == SQLITE_OK) {
            ++m_thread_copies;
            m_failures_logged = 0;
        } else if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED && m_failures_logged++ % 1000 == 0) {
            // Commits go on into the WAL; they fail (5xx) once the disk has no room for it.
            log::warn(std::string("copying the WAL into the database failed: ") +
                      sqlite3_errmsg(m_db.handle()) + " (will retry)");
        }
    }
}

} // namespace rm
