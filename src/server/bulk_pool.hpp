// BulkPool: a few threads (one per core but one) that do the CPU-heavy part of large requests
// (parsing, enrichment, compressing the journal copy of a batch body).
//
// Why: batches are bound by the store's single writer thread. When 64 HTTP workers parse
// 70 KB batches at once, the scheduler shares the writer's core among all of them and the
// writer falls behind. With at most cores - 1 parsers, the writer keeps a core to itself.
// The pool's threads run at normal priority. They ran at nice 19 (and HTTP workers at nice 10),
// which starved them on a busy machine: with two compilers running beside it, batches of 100
// fell to 358 req/s against 610 at normal priority, while on an idle machine the priorities
// won 2% (887 against 866 req/s; p99 195 against 104 ms).
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
