// The HTTP connection workers: cpp-httplib serves each connection start to end on one thread
// of its task queue, so a fixed pool makes connection N+1 wait until another connection's
// keep-alive times out (or forever under steady traffic). This queue starts a thread whenever
// a connection arrives and no thread is idle, up to max_connections; idle threads beyond a
// small core exit after idle_exit. Beyond the cap the connection is refused at once: its job
// runs right away on the accepting thread with refusing() set, and ConnectionServer
// (connection.hpp) then calls refuse(): a "503" written without blocking, the socket closed,
// the refusal counted and logged.
//
// Thread meeting points (all under m_mutex unless said):
// - enqueue(): the library's accept thread. Pushes a job, wakes an idle thread or starts one,
//   joins threads that have exited; a refused job runs on this thread outside the lock.
// - worker threads: wait on m_cv for a job (idle_exit at most), run it without the lock,
//   count it in ConnectionCounters (atomics, read by /_mock/stats from any thread).
// - shutdown(): the accept thread once its loop ends; wakes all, lets queued jobs run, joins.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <httplib.h>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace rm {

// What /_mock/stats shows as "connections". Atomics: written by workers, read anywhere.
struct ConnectionCounters {
    std::atomic<int64_t> open{0};     // connections being served now
    std::atomic<int64_t> peak{0};     // most open at once since start
    std::atomic<int64_t> refused{0};  // closed at once beyond max_connections
    std::atomic<int64_t> cut_slow{0}; // cut off: head or body not in by its deadline
    std::atomic<int64_t> max{0};      // the cap in force
};

struct WorkerPoolOptions {
    size_t core_threads = 8;                    // kept when idle
    size_t max_connections = 1024;              // connections served at once; more are refused
    std::chrono::milliseconds idle_exit{10000}; // a thread beyond the core idle this long exits
};

class WorkerPool : public httplib::TaskQueue {
  public:
    WorkerPool(WorkerPoolOptions options, ConnectionCounters& counters);
    ~WorkerPool() override;
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    void enqueue(std::function<void()> fn) override;
    void shutdown() override;

    size_t threads() const; // live threads now (tests)

    // While enqueue() runs a job it has no room for: that pool, else null (this thread only).
    static WorkerPool* refusing();
    // Answers 503 without blocking, closes fd, counts and logs (at most a line a second).
    void refuse(int fd);

  private:
    using Job = std::function<void()>;
    void worker_loop();
    void run(Job& job);
    void reap_locked(); // joins threads that have left worker_loop

    WorkerPoolOptions m_options;
    ConnectionCounters& m_counters;

    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<Job> m_jobs;
    std::unordered_map<std::thread::id, std::thread> m_threads;
    std::vector<std::thread::id> m_finished;
    size_t m_idle = 0; // threads waiting for a job
    size_t m_busy = 0; // threads running a job
    size_t m_live = 0; // threads started and not yet out of worker_loop
    bool m_shutdown = false;

    std::mutex m_log_mutex; // refusal log: one line a second at most
    std::chrono::steady_clock::time_point m_last_log{};
    int64_t m_unlogged = 0;
};

} // namespace rm
