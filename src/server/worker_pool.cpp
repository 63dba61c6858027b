#include "server/worker_pool.hpp"

#include "util/log.hpp"

#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace rm {

namespace {
thread_local WorkerPool* t_refusing = nullptr;
} // namespace

WorkerPool* WorkerPool::refusing() {
    return t_refusing;
}

WorkerPool::WorkerPool(WorkerPoolOptions options, ConnectionCounters& counters)
    : m_options(options), m_counters(counters) {
    if (m_options.max_connections == 0) {
        m_options.max_connections = 1;
    }
    m_counters.max.store(static_cast<int64_t>(m_options.max_connections));
}

WorkerPool::~WorkerPool() {
    shutdown();
}

void WorkerPool::enqueue(std::function<void()> fn) {
    {
        std::lock_guard lock(m_mutex);
        reap_locked();
        const bool full = m_busy + m_jobs.size() >= m_options.max_connections;
        if (!full) {
            m_jobs.push_back(std::move(fn));
            if (m_idle >= m_jobs.size()) {
                m_cv.notify_one();
                return;
            }
            if (m_threads.size() < m_options.max_connections && !m_shutdown) {
                try {
                    std::thread t([this] { worker_loop(); });
                    const auto id = t.get_id();
                    m_threads.emplace(id, std::move(t));
                    ++m_live;
                    return;
                } catch (const std::system_error&) {
                    // No thread to be had (ulimit -u, memory): refuse below.
                }
            }
            fn = std::move(m_jobs.back());
            m_jobs.pop_back();
        }
    }
    // No room: the job runs here in refusal mode (ConnectionServer answers 503 and closes).
    t_refusing = this;
    fn();
    t_refusing = nullptr;
}

void WorkerPool::refuse(int fd) {
    static const char k_answer[] = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
                                   "Content-Length: 0\r\n\r\n";
    // Non-blocking: a fresh socket's send buffer is empty, and the accept loop must not wait.
    (void)send(fd, k_answer, sizeof k_answer - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
    const int64_t total = m_counters.refused.fetch_add(1) + 1;
    std::lock_guard lock(m_log_mutex);
    ++m_unlogged;
    const auto now = std::chrono::steady_clock::now();
    if (now - m_last_log >= std::chrono::seconds(1)) {
        log::warn("refused " + std::to_string(m_unlogged) + " connection(s) beyond " +
                  std::to_string(m_options.max_connections) + " open (--max-connections; " +
                  std::to_string(total) + " refused since start)");
        m_unlogged = 0;
        m_last_log = now;
    }
}

void WorkerPool::worker_loop() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        ++m_idle;
        const bool woken = m_cv.wait_for(lock, m_options.idle_exit,
                                         [this] { return !m_jobs.empty() || m_shutdown; });
        --m_idle;
        if (!m_jobs.empty()) {
            Job job = std::move(m_jobs.front());
            m_jobs.pop_front();
            ++m_busy;
            lock.unlock();
            run(job);
            job = nullptr; // destroy the closure without the lock
            lock.lock();
            --m_busy;
            continue;
        }
        if (m_shutdown) {
            break;
        }
        if (!woken && m_live > m_options.core_threads) {
            break; // idle too long and more threads than the core
        }
    }
    --m_live;
    m_finished.push_back(std::this_thread::get_id());
}

void WorkerPool::run(Job& job) {
    const int64_t open = m_counters.open.fetch_add(1) + 1;
    int64_t peak = m_counters.peak.load();
    while (open > peak && !m_counters.peak.compare_exchange_weak(peak, open)) {
    }
    job(); // serves the connection until it closes; cpp-httplib catches handler exceptions
    m_counters.open.fetch_sub(1);
}

void WorkerPool::reap_locked() {
    for (const auto& id : m_finished) {
        auto it = m_threads.find(id);
        if (it != m_threads.end()) {
            it->second.join(); // it has left worker_loop: returns at once
            m_threads.erase(it);
        }
    }
    m_finished.clear();
}

void WorkerPool::shutdown() {
    std::unordered_map<std::thread::id, std::thread> threads;
    {
        std::lock_guard lock(m_mutex);
        m_shutdown = true;
        threads.swap(m_threads);
        m_finished.clear();
    }
    m_cv.notify_all();
    for (auto& [id, t] : threads) {
        t.join();
    }
}

size_t WorkerPool::threads() const {
    std::lock_guard lock(m_mutex);
    return m_live;
}

} // namespace rm
