#include "server/bulk_pool.hpp"

#include <pthread.h>

namespace rm {

size_t BulkPool::default_threads() {
    const unsigned cores = std::thread::hardware_concurrency();
    return cores > 2 ? cores - 1 : 1;
}

BulkPool::BulkPool(size_t threads) {
    for (size_t i = 0; i < threads; ++i) {
        m_threads.emplace_back([this] { loop(); });
    }
}

BulkPool::~BulkPool() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_queued.notify_all();
    for (auto& t : m_threads) {
        t.join();
    }
}

void BulkPool::run(const std::function<void()>& fn) {
    Task task{&fn, false, nullptr, {}};
    std::unique_lock lock(m_mutex);
    if (m_stopping || m_threads.empty()) {
        lock.unlock();
        fn(); // no pool (shutting down): run it here
        return;
    }
    m_queue.push_back(&task);
    m_queued.notify_one();
    task.finished.wait(lock, [&] { return task.done; });
    if (task.error) {
        std::rethrow_exception(task.error);
    }
}

void BulkPool::loop() {
    pthread_setname_np(pthread_self(), "rm-bulk");
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_queued.wait(lock, [&] { return m_stopping || !m_queue.empty(); });
        if (m_queue.empty()) {
            return; // stopping, and nothing left
        }
        Task* task = m_queue.front();
        m_queue.pop_front();
        lock.unlock();
        std::exception_ptr error;
        try {
            (*task->fn)();
        } catch (...) {
            error = std::current_exception();
        }
        lock.lock();
        task->error = error;
        task->done = true;
        task->finished.notify_one();
    }
}

} // namespace rm
