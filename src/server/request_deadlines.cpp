#include "server/request_deadlines.hpp"

#include "server/worker_pool.hpp"
#include "util/log.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <netinet/in.h>
#include <sys/socket.h>
#include <vector>

namespace rm {

namespace {
using Clock = std::chrono::steady_clock;

// The connection this worker thread serves (0: none). Ids are unique in the process, so a
// thread never matches an entry of another server's watchdog.
thread_local uint64_t t_connection = 0;
std::atomic<uint64_t> g_next_connection{1};

int peer_port(int fd) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) {
        return -1;
    }
    if (peer.ss_family == AF_INET) {
        return ntohs(reinterpret_cast<const sockaddr_in&>(peer).sin_port);
    }
    if (peer.ss_family == AF_INET6) {
        return ntohs(reinterpret_cast<const sockaddr_in6&>(peer).sin6_port);
    }
    return -1;
}
} // namespace

RequestDeadlines::RequestDeadlines(DeadlineOptions options, ConnectionCounters& counters)
    : m_options(options), m_counters(counters) {
    m_thread = std::thread([this] { watch(); });
}

RequestDeadlines::~RequestDeadlines() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    m_thread.join();
}

void RequestDeadlines::connection_begin(int fd) {
    Entry e;
    e.fd = fd;
    e.peer_port = peer_port(fd);
    e.phase = Phase::head;
    e.deadline = Clock::now() + m_options.head;
    t_connection = g_next_connection.fetch_add(1);
    std::lock_guard lock(m_mutex);
    m_entries[t_connection] = e;
}

void RequestDeadlines::connection_end() {
    if (t_connection == 0) {
        return;
    }
    std::lock_guard lock(m_mutex);
    m_entries.erase(t_connection);
    t_connection = 0;
}

void RequestDeadlines::set_phase(Phase phase) {
    if (t_connection == 0) {
        return;
    }
    const auto now = Clock::now();
    std::lock_guard lock(m_mutex);
    auto it = m_entries.find(t_connection);
    if (it == m_entries.end()) {
        return;
    }
    it->second.phase = phase;
    if (phase == Phase::head) {
        it->second.deadline = now + m_options.head;
    } else if (phase == Phase::body) {
        it->second.deadline = now + m_options.body;
    }
}

void RequestDeadlines::head_done() {
    set_phase(Phase::body); // the library may read a small body before the handler runs
}

void RequestDeadlines::handling() {
    set_phase(Phase::handling);
}

void RequestDeadlines::reading_body() {
    set_phase(Phase::body);
}

void RequestDeadlines::answered() {
    set_phase(Phase::head);
}

void RequestDeadlines::watch() {
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
        m_cv.wait_for(lock, m_options.tick);
        const auto now = Clock::now();
        int64_t cut = 0;
        for (auto& [id, e] : m_entries) {
            if (e.cut || e.phase == Phase::handling || now < e.deadline) {
                continue;
            }
            e.cut = true;
            // The library closes the descriptor just before connection_end() erases the
            // entry; reused in that instant, it has another peer (or none): left alone.
            if (peer_port(e.fd) == e.peer_port) {
                ::shutdown(e.fd, SHUT_RDWR); // the blocked read returns; the library closes
                ++cut;
            }
        }
        if (cut > 0) {
            m_counters.cut_slow.fetch_add(cut);
            log_cuts(cut);
        }
    }
}

void RequestDeadlines::log_cuts(int64_t n) {
    m_unlogged += n;
    const auto now = Clock::now();
    if (now - m_last_log >= std::chrono::seconds(1)) {
        log::warn("cut off " + std::to_string(m_unlogged) +
                  " slow connection(s): request head not in within " +
                  std::to_string(m_options.head.count()) + " ms or body within " +
                  std::to_string(m_options.body.count()) + " ms");
        m_unlogged = 0;
        m_last_log = now;
    }
}

} // namespace rm
