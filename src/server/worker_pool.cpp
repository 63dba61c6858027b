#include "server/worker_pool.hpp"

#include "server/request_deadlines.hpp"
#include "util/log.hpp"

#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace {
thread_local int t_accepted_fd = -1;
thread_local int t_keep_alive_wait_ms = 0; // > 0 on pool threads only
} // namespace

// Replaces libc's accept() for the whole process (see worker_pool.hpp): the same call, plus a
// note of the descriptor for the WorkerPool::enqueue() that follows on this thread.
extern "C" int accept(int fd, sockaddr* addr, socklen_t* len) {
    const int s = accept4(fd, addr, len, 0);
    t_accepted_fd = s;
    return s;
}

// Replaces libc's poll() the same way. On a pool thread, the library's keep-alive wait for the
// next request (one socket, POLLIN, 10 ms: a loop of such polls and 1 ms sleeps) becomes one
// poll for the whole keep-alive time-out; every other poll passes through unchanged.
// (glibc declares poll()'s array write-only, so reading .events would warn.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
extern "C" int poll(pollfd* fds, nfds_t n, int timeout_ms) {
    if (t_keep_alive_wait_ms > 0 && n == 1 && timeout_ms == 10 && fds[0].events == POLLIN) {
        timeout_ms = t_keep_alive_wait_ms;
    }
    if (timeout_ms < 0) {
        return ppoll(fds, n, nullptr, nullptr);
    }
    const timespec ts{timeout_ms / 1000, static_cast<long>(timeout_ms % 1000) * 1000000L};
    return ppoll(fds, n, &ts, nullptr);
}
#pragma GCC diagnostic pop

namespace rm {

int take_accepted_fd() {
    const int fd = t_accepted_fd;
    t_accepted_fd = -1;
    return fd;
}

WorkerPool::WorkerPool(WorkerPoolOptions options, ConnectionCounters& counters,
                       RequestDeadlines* deadlines)
    : m_options(options), m_counters(counters), m_deadlines(deadlines) {
    if (m_options.max_connections == 0) {
        m_options.max_connections = 1;
    }
    m_counters.max.store(static_cast<int64_t>(m_options.max_connections));
}

WorkerPool::~WorkerPool() {
    shutdown();
}

void WorkerPool::enqueue(std::function<void()> fn) {
    const int fd = take_accepted_fd();
    {
        std::lock_guard lock(m_mutex);
        reap_locked();
        // Without the descriptor a refusal could not close the socket: queue it instead.
        const bool full = m_busy + m_jobs.size() >= m_options.max_connections;
        if (!(full && fd >= 0)) {
            m_jobs.push_back(Job{std::move(fn), fd});
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
            if (fd < 0) {
                return; // it waits for a thread
            }
            m_jobs.pop_back();
        }
    }
    refuse(fd); // fn owns nothing but the descriptor, which refuse() closes
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
            job.fn = nullptr; // destroy the closure without the lock
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
    static thread_local bool niced = [this] {
        setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), m_options.nice);
        return true;
    }();
    (void)niced;
    // Strictly longer than the library's keep-alive time-out, so one poll ends its wait.
    t_keep_alive_wait_ms = static_cast<int>(m_options.keep_alive.count()) + 5;
    const int64_t open = m_counters.open.fetch_add(1) + 1;
    int64_t peak = m_counters.peak.load();
    while (open > peak && !m_counters.peak.compare_exchange_weak(peak, open)) {
    }
    if (m_deadlines && job.fd >= 0) {
        m_deadlines->connection_begin(job.fd);
    }
    job.fn(); // serves the connection until it closes; cpp-httplib catches handler exceptions
    if (m_deadlines && job.fd >= 0) {
        m_deadlines->connection_end();
    }
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
