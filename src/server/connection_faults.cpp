#include "server/connection_faults.hpp"

#include <httplib.h>

#include <arpa/inet.h>
#include <chrono>
#include <cstdlib>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rm {

namespace {
int port_of(const sockaddr_storage& a) {
    if (a.ss_family == AF_INET) {
        return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
    }
    if (a.ss_family == AF_INET6) {
        return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
    }
    return -1;
}
} // namespace

int connection_fd(const httplib::Request& req) {
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) {
        return -1;
    }
    int found = -1;
    while (dirent* entry = readdir(dir)) {
        char* end = nullptr;
        long fd = std::strtol(entry->d_name, &end, 10);
        if (end == entry->d_name || *end != '\0' || fd == dirfd(dir)) {
            continue;
        }
        sockaddr_storage peer{};
        socklen_t len = sizeof peer;
        if (getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &len) != 0 ||
            port_of(peer) != req.remote_port) {
            continue;
        }
        sockaddr_storage local{};
        len = sizeof local;
        if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &len) == 0 &&
            port_of(local) == req.local_port) {
            found = static_cast<int>(fd);
            break;
        }
    }
    closedir(dir);
    return found;
}

void reset_connection(int fd) {
    if (fd < 0) {
        return;
    }
    linger lin{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
    sockaddr unspec{};
    unspec.sa_family = AF_UNSPEC;
    connect(fd, &unspec, sizeof unspec); // Linux: tcp_disconnect() sends the RST
}

void close_connection(int fd) {
    if (fd >= 0) {
        shutdown(fd, SHUT_RDWR);
    }
}

void send_then_close(int fd, const std::string& bytes) {
    if (fd < 0) {
        return;
    }
    size_t sent = 0;
    while (sent < bytes.size()) {
        ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            break;
        }
        sent += static_cast<size_t>(n);
    }
    close_connection(fd);
}

int64_t hang_connection(int fd, int64_t max_ms, const std::atomic<bool>& stopping) {
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
            .count();
    };
    while (fd >= 0 && elapsed() < max_ms && !stopping.load()) {
        pollfd p{fd, POLLRDHUP, 0};
        int n = poll(&p, 1, 100);
        if (n > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
            break; // the client gave up
        }
    }
    close_connection(fd);
    return elapsed();
}

} // namespace rm
