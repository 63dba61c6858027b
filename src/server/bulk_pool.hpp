// BulkPool: a few threads at the lowest priority (nice 19) that do the CPU-heavy part of large
// requests (parsing, enrichment, compressing the journal copy of a batch body).
//
// Why: batches are bound by the store's single writer thread. When 64 HTTP workers (nice 10)
// parse 70 KB batches at once, the scheduler shares the writer's core with them by weight and
// the writer falls behind. Parsing in two nice-19 threads leaves the writer its core; the HTTP
// workers stay at nice 10, so single events keep their latency. (Measured with all workers at
// nice 19: batches +25%, singles -30%; hence a separate pool, not a lower nice for all.) A
// thread cannot lower its own nice value again without privileges, so the priority belongs to
// the pool's threads, not to the request.
//
// Meeting point: HTTP workers call run(fn), which queues fn and blocks until a pool thread has
// run it; the queue is guarded by one mutex; each task's waiter is woken by its own
// condition variable.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rm {

class BulkPool {
  public:
    explicit BulkPool(size_t threads);
    ~BulkPool(); // runs what is queued, then joins
    BulkPool(const BulkPool&) = delete;
    BulkPool& operator=(const BulkPool&) = delete;

    // One thread per core but one, at least one.
    static size_t default_threads();

    // Runs fn on a pool thread and returns when it has finished (rethrowing what fn threw).
    void run(const std::function<void()>& fn);

  private:
    struct Task {
        const std::function<void()>* fn;
        bool done = false;
        std::exception_ptr error;         // what fn threw (a bug), rethrown to the caller
        std::condition_variable finished; // notified under m_mutex: the waiter owns the task
    };
    void loop();

    std::mutex m_mutex;
    std::condition_variable m_queued;
    std::deque<Task*> m_queue;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};

} // namespace rm
