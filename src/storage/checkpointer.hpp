// Copies the write-ahead log into the database file on a thread of its own, so the store's
// writer thread does not. SQLite's default (the committing connection copies the WAL once it
// holds 1,000 pages) made the copy a third of the writer's time on batches: every page is
// written twice, once into the WAL at commit and once into the file at the checkpoint.
//
// How the WAL still gets back to its start: SQLite restarts it at a write transaction's start
// only if every frame was copied by then. A copy running beside a busy writer never quite
// catches up (the writer commits more frames meanwhile), so once the WAL holds catch_up_pages
// the writer copies what is left itself, after a commit (a few frames, as the thread did the
// rest), and its next transaction starts the WAL over (while the thread is still copying, the
// writer tries again after its next commit). The WAL stays near catch_up_pages plus one commit's
// pages (24 MiB plus one commit at 16 KiB pages; SQLite's default: 16 MiB plus one commit). Batches
// with 4,000 pages instead: within noise (738 vs 726 req/s).
//
// Meeting point (documented in store.hpp as 5): the writer connection's WAL hook calls
// committed() after each commit, on the writer thread; it wakes the copying thread through
// m_mutex and m_wake. The copying thread has its own connection, used by it alone.
#pragma once

#include "storage/sqlite.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace rm {

class Checkpointer {
  public:
    struct Options {
        int start_pages = 1000;    // the thread copies once the WAL holds this many
        int catch_up_pages = 1500; // the writer copies what is left from this many on
        bool fsync = false;        // sync the database file after each copy
    };
    // Opens its own connection to path and installs the hook on writer (whose automatic
    // checkpoints it replaces). The hook points at the returned object: destroy it before
    // writer, or call detach() first.
    static Result<std::unique_ptr<Checkpointer>> start(const std::string& path,
                                                       sql::Database& writer, Options options);
    static Result<std::unique_ptr<Checkpointer>> start(const std::string& path,
                                                       sql::Database& writer) {
        return start(path, writer, Options{});
    }
    ~Checkpointer(); // stops the thread and removes the hook
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    // Copies done by the thread and by the writer since start (for tests and benchmarks).
    int64_t thread_copies() const { return m_thread_copies.load(); }
    int64_t writer_copies() const { return m_writer_copies.load(); }

  private:
    Checkpointer(sql::Database own, sql::Database& writer, Options options);
    static int hook(void* self, struct sqlite3* db, const char* name, int frames);
    void committed(struct sqlite3* db, int frames); // writer thread
    void run();                                     // the copying thread

    sql::Database m_db; // the copying thread's connection
    sql::Database& m_writer;
    Options m_options;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_pending = false;  // under m_mutex: a copy is asked for
    bool m_stopping = false; // under m_mutex
    std::atomic<int64_t> m_thread_copies{0};
    std::atomic<int64_t> m_writer_copies{0};
    int64_t m_failures_logged = 0; // the copying thread's
    std::thread m_thread;
};

} // namespace rm
