#include "server/connection.hpp"

#include "server/request_deadlines.hpp"
#include "server/worker_pool.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <poll.h>
#include <stdexcept>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rm {

namespace {

void address_of(const sockaddr_storage& addr, socklen_t len, std::string& ip, int& port) {
    char host[NI_MAXHOST] = {};
    if (getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof host, nullptr, 0,
                    NI_NUMERICHOST) == 0) {
        ip = host;
    }
    if (addr.ss_family == AF_INET) {
        port = ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
    } else if (addr.ss_family == AF_INET6) {
        port = ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
    }
}

} // namespace

SocketConnection::SocketConnection(int fd, int wake_fd, const ConnectionOptions& options)
    : m_fd(fd), m_wake_fd(wake_fd), m_options(options) {
    m_out.reserve(4096);
}

bool SocketConnection::wait_readable(int timeout_ms) const {
    pollfd fds[2] = {{m_fd, POLLIN, 0}, {m_wake_fd, POLLIN, 0}};
    const nfds_t n = m_wake_fd >= 0 ? 2 : 1;
    int r;
    do {
        r = ::poll(fds, n, timeout_ms);
    } while (r < 0 && errno == EINTR);
    if (r <= 0 || (n == 2 && (fds[1].revents & POLLIN))) {
        return false; // time-out, error or the server stopping
    }
    return fds[0].revents != 0; // data, or the client's close (read() then sees it)
}

bool SocketConnection::is_readable() const {
    return m_in_pos < m_in_end || wait_readable(0);
}

ssize_t SocketConnection::read(char* ptr, size_t size) {
    if (m_in_pos == m_in_end) {
        // Nothing buffered: whatever waits to be sent must go first (e.g. "100 Continue").
        if (!flush()) {
            return -1;
        }
        if (size >= k_buffer) {
            ssize_t n;
            do {
                n = ::recv(m_fd, ptr, size, 0);
            } while (n < 0 && errno == EINTR);
            return n;
        }
        ssize_t n;
        do {
            n = ::recv(m_fd, m_in, k_buffer, 0);
        } while (n < 0 && errno == EINTR);
        if (n <= 0) {
            return n;
        }
        m_in_pos = 0;
        m_in_end = static_cast<size_t>(n);
    }
    const size_t n = std::min(size, m_in_end - m_in_pos);
    std::memcpy(ptr, m_in + m_in_pos, n);
    m_in_pos += n;
    return static_cast<ssize_t>(n);
}

ssize_t SocketConnection::write(const char* ptr, size_t size) {
    if (m_failed) {
        return -1;
    }
    m_out.append(ptr, size);
    if (m_out.size() >= k_flush_at && !flush()) {
        return -1;
    }
    return static_cast<ssize_t>(size);
}

bool SocketConnection::flush() {
    size_t sent = 0;
    while (!m_failed && sent < m_out.size()) {
        const ssize_t n = ::send(m_fd, m_out.data() + sent, m_out.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<size_t>(n);
        } else if (!(n < 0 && errno == EINTR)) {
            m_failed = true;
        }
    }
    m_out.clear();
    return !m_failed;
}

bool SocketConnection::wait_for_request(std::chrono::milliseconds wait) {
    if (m_in_pos < m_in_end) {
        return true; // pipelined: the next request came with the previous one
    }
    if (!flush()) {
        return false;
    }
    // Under load the next request is often here already: one recv instead of poll + recv.
    ssize_t n;
    do {
        n = ::recv(m_fd, m_in, k_buffer, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        m_in_pos = 0;
        m_in_end = static_cast<size_t>(n);
        return true;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        return false; // the client closed, or the socket failed
    }
    return wait_readable(static_cast<int>(wait.count()));
}

void SocketConnection::Address::look_up(int fd, int (*name_of)(int, sockaddr*, socklen_t*)) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    port = 0;
    if (name_of(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        address_of(addr, len, ip, port);
    }
}

void SocketConnection::get_remote_ip_and_port(std::string& ip, int& port) const {
    if (m_remote.port < 0) {
        m_remote.look_up(m_fd, ::getpeername);
    }
    ip = m_remote.ip;
    port = m_remote.port;
}

void SocketConnection::get_local_ip_and_port(std::string& ip, int& port) const {
    if (m_local.port < 0) {
        m_local.look_up(m_fd, ::getsockname);
    }
    ip = m_local.ip;
    port = m_local.port;
}

ConnectionServer::ConnectionServer(ConnectionOptions options, RequestDeadlines* deadlines)
    : m_options(options), m_deadlines(deadlines) {
    m_wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_wake_fd < 0) {
        throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
    }
}

ConnectionServer::~ConnectionServer() {
    ::close(m_wake_fd);
}

void ConnectionServer::begin_stop() {
    m_stopping.store(true);
    const uint64_t one = 1;
    (void)!::write(m_wake_fd, &one, sizeof one); // never read: every later poll sees it too
}

void ConnectionServer::serve(ConnectionStream& conn) {
    while (!m_stopping.load(std::memory_order_relaxed) &&
           conn.wait_for_request(m_options.keep_alive)) {
        bool closed = false;
        const bool ok = process_request(conn, m_stopping.load(), closed, nullptr);
        if (!conn.flush() || !ok || closed) {
            break;
        }
    }
    conn.flush();
}

bool ConnectionServer::process_and_close_socket(socket_t sock) {
    if (WorkerPool* pool = WorkerPool::refusing()) {
        pool->refuse(sock); // no thread for it: answered 503 and closed on the accept thread
        return true;
    }
    if (m_deadlines) {
        m_deadlines->connection_begin(sock);
    }
    {
        SocketConnection conn(sock, m_wake_fd, m_options);
        serve(conn);
    }
    if (m_deadlines) {
        m_deadlines->connection_end(); // before close: the descriptor may be reused at once
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return true;
}

} // namespace rm
