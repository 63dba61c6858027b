// The HTTP connection workers: cpp-httplib serves each connection start to end on one thread
// of its task queue, so a fixed pool makes connection N+1 wait until another connection's
// keep-alive times out (or forever under steady traffic). This queue starts a thread whenever
// a connection arrives and no thread is idle, up to max_connections; idle threads beyond a
// small core exit after idle_exit. Beyond the cap the new connection is refused at once: a
// "503" line is written without blocking, the socket closed, the refusal counted and logged.
//
// Which socket? cpp-httplib 0.11.4 hands enqueue() a closure with the accepted socket inside
// and no way to read it. worker_pool.cpp defines accept() itself (calling accept4), so the
// library's call in its accept loop resolves to it (the executable's symbols come first for
// the dynamic linker) and the descriptor is kept in a thread-local; enqueue() runs next on
// that same thread and takes it. Without it (-1) nothing is refused and no deadline is kept.
// poll() is replaced the same way for one case: the library waits for a connection's next
// request by polling it every 10 ms and sleeping 1 ms (~180 wake-ups a second per idle
// connection, a whole core at 1,000); on pool threads that wait is one poll instead.
//
// Thread meeting points (all under m_mutex unless said):
// - enqueue(): the library's accept thread. Pushes a job, wakes an idle thread or starts one,
//   joins threads that have exited. Refusals close the socket outside the lock.
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

class RequestDeadlines;

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
    int nice = 10; // worker priority below the store's writer (see http_server.cpp)
    // The server's keep-alive time-out: how long one poll waits for a connection's next
    // request (see poll() in worker_pool.cpp). 0: the library's own 10 ms polling loop.
    std::chrono::milliseconds keep_alive{0};
};

// The descriptor the last accept() on this thread returned, then -1 (taken once).
int take_accepted_fd();

class WorkerPool : public httplib::TaskQueue {
  public:
    // deadlines may be null (no per-request deadlines).
    WorkerPool(WorkerPoolOptions options, ConnectionCounters& counters,
               RequestDeadlines* deadlines);
    ~WorkerPool() override;
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    void enqueue(std::function<void()> fn) override;
    void shutdown() override;

    size_t threads() const; // live threads now (tests)

  private:
    struct Job {
        std::function<void()> fn;
        int fd = -1;
    };
    void worker_loop();
    void run(Job& job);
    void refuse(int fd);
    void reap_locked(); // joins threads that have left worker_loop

    WorkerPoolOptions m_options;
    ConnectionCounters& m_counters;
    RequestDeadlines* m_deadlines;

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
