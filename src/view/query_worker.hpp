// A background thread with its own read-only connection to a ruddermock database, running
// the inspector's queries in order so the UI thread never waits on SQLite.
//
// Thread meeting points: the job queue (any thread enqueues under the mutex; the worker runs
// jobs one at a time) and the MainThreadQueue the jobs post their results to. Jobs must not
// touch UI state themselves. A long job splits itself into steps that re-enqueue, so short
// jobs (a page of rows, one event) are never stuck behind a whole search.
#pragma once

#include "storage/sqlite.hpp"
#include "util/result.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace rm {

class QueryWorker {
  public:
    using Job = std::function<void(sql::Database&)>;

    // Opens path read-only on the worker thread's behalf and starts it.
    static Result<std::unique_ptr<QueryWorker>> start(const std::string& path);
    ~QueryWorker(); // drops queued jobs, finishes the running one, joins

    void enqueue(Job job);
    // Runs before the queued jobs (results the user waits for, e.g. the rows on screen).
    void enqueue_urgent(Job job);
    size_t queued() const;

  private:
    explicit QueryWorker(sql::Database db);
    void loop();

    sql::Database m_db;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Job> m_jobs;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace rm
