// Connection benchmark client (bench/connections.sh; not part of the product). One thread,
// poll() over every socket:
//   conn_client PORT keepalive CONNS RATE SECONDS  CONNS keep-alive connections sending
//       POST /v1/track (unique messageIds) at RATE requests/s in all; latency of each after
//       a warm-up in which every connection is opened and served once.
//   conn_client PORT slow SLOW SECONDS [KEY]  SLOW connections sending a header line a
//       second (or, with KEY, a POST by KEY that the server holds) while, from 1 s on, a
//       fresh client connects every 100 ms and sends POST /v1/track; their latency.
// Prints one line: sent, answered, errors, p50/p99/max in ms.
#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {
using Clock = std::chrono::steady_clock;

int g_port = 0;
long g_next_id = 0;
const std::string k_auth = "Authorization: Basic YmVuY2gtY29ubjo=\r\n"; // "bench-conn:"

int open_connection() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(g_port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    return fd;
}

std::string track_request(const std::string& auth) {
    const std::string body =
        "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\",\"messageId\":\"conn-" +
        std::to_string(getpid()) + "-" + std::to_string(g_next_id++) + "\"}";
    return "POST /v1/track HTTP/1.1\r\nHost: b\r\n" + auth +
           "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
}

void send_all(int fd, const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
        ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            return;
        }
        sent += static_cast<size_t>(n);
    }
}

// True once `in` holds a whole response (headers and Content-Length bytes); sets status.
bool complete(const std::string& in, int& status) {
    size_t end = in.find("\r\n\r\n");
    if (end == std::string::npos) {
        return false;
    }
    size_t length = 0;
    size_t cl = in.find("Content-Length: ");
    if (cl != std::string::npos && cl < end) {
        length = std::strtoul(in.c_str() + cl + 16, nullptr, 10);
    }
    status = in.size() > 12 ? std::atoi(in.c_str() + 9) : 0;
    return in.size() >= end + 4 + length;
}

struct Conn {
    int fd = -1;
    bool busy = false;
    bool measured = true; // latency of this one counts
    bool fresh = false;   // closed after one answer
    Clock::time_point sent, next;
    std::string in;
};

struct Result {
    long sent = 0, answered = 0, errors = 0, cut = 0;
    std::vector<double> ms;
    Clock::time_point record_after{}; // latencies of requests sent earlier: warm_ms
    std::vector<double> warm_ms;
};

void print(const char* what, Result& r) {
    std::sort(r.ms.begin(), r.ms.end());
    auto pct = [&](double p) {
        return r.ms.empty() ? 0.0 : r.ms[std::min(r.ms.size() - 1, size_t(p * r.ms.size()))];
    };
    std::printf("%s: sent %ld, answered 200 %ld, errors %ld, held-cut %ld, latency ms p50 %.2f "
                "p99 %.2f max %.2f\n",
                what, r.sent, r.answered, r.errors, r.cut, pct(0.50), pct(0.99),
                r.ms.empty() ? 0.0 : r.ms.back());
    if (!r.warm_ms.empty()) {
        std::printf("  (warm-up, while the connections open and each sends its first request, "
                    "not counted: %zu requests, max %.2f ms)\n",
                    r.warm_ms.size(), *std::max_element(r.warm_ms.begin(), r.warm_ms.end()));
    }
}

// Runs the loop for `seconds`: load connections send when due, probes every 100 ms.
void run(std::vector<Conn>& conns, double seconds, double period_s, bool probe,
         const std::vector<std::string>& slow_drip, Result& r) {
    const auto start = Clock::now();
    const auto end =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    const auto period =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(period_s));
    auto next_probe = start + std::chrono::seconds(1); // once the held clients are settled
    std::vector<pollfd> fds;
    while (Clock::now() < end) {
        auto now = Clock::now();
        if (probe && now >= next_probe) {
            Conn c;
            c.fd = open_connection();
            c.fresh = true;
            c.sent = now;
            if (c.fd < 0) {
                ++r.errors;
            } else {
                send_all(c.fd, track_request(k_auth));
                c.busy = true;
                ++r.sent;
                conns.push_back(std::move(c));
            }
            next_probe += std::chrono::milliseconds(100);
        }
        for (size_t i = 0; i < conns.size(); ++i) {
            Conn& c = conns[i];
            if (c.fd < 0 || c.fresh || now < c.next) {
                continue;
            }
            if (!c.measured) { // a held client: its next header line
                if (!slow_drip.empty()) {
                    send_all(c.fd, slow_drip[0]);
                }
                c.next += std::chrono::seconds(1);
            } else if (!c.busy) {
                send_all(c.fd, track_request(k_auth));
                c.busy = true;
                c.sent = now;
                ++r.sent;
                c.next += period;
            }
        }
        fds.clear();
        for (auto& c : conns) {
            fds.push_back(pollfd{c.fd, POLLIN, 0});
        }
        if (poll(fds.data(), fds.size(), 2) <= 0) {
            continue;
        }
        now = Clock::now();
        for (size_t i = 0; i < conns.size(); ++i) {
            Conn& c = conns[i];
            if (c.fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
                continue;
            }
            char buf[8192];
            ssize_t n = recv(c.fd, buf, sizeof buf, 0);
            if (n <= 0) {
                close(c.fd);
                c.fd = -1;
                if (c.measured) {
                    ++r.errors;
                } else {
                    ++r.cut;
                }
                continue;
            }
            c.in.append(buf, static_cast<size_t>(n));
            int status = 0;
            if (c.measured && complete(c.in, status)) {
                c.in.clear();
                c.busy = false;
                if (status == 200) {
                    ++r.answered;
                } else {
                    ++r.errors;
                }
                const double ms = std::chrono::duration<double, std::milli>(now - c.sent).count();
                (c.sent < r.record_after ? r.warm_ms : r.ms).push_back(ms);
                if (c.fresh) {
                    close(c.fd);
                    c.fd = -1;
                }
            }
        }
        std::erase_if(conns, [](const Conn& c) { return c.fd < 0 && c.fresh; });
    }
    for (auto& c : conns) {
        if (c.fd >= 0) {
            close(c.fd);
        }
    }
}
} // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: conn_client PORT keepalive CONNS RATE SECONDS\n"
                             "       conn_client PORT slow SLOW SECONDS [HOLD_KEY_BASIC]\n");
        return 2;
    }
    g_port = std::atoi(argv[1]);
    const std::string mode = argv[2];
    Result r;
    std::vector<Conn> conns;
    if (mode == "keepalive" && argc >= 6) {
        const int n = std::atoi(argv[3]);
        const double rate = std::atof(argv[4]);
        const double period = n / rate; // each connection sends every period seconds
        const auto start = Clock::now();
        for (int i = 0; i < n; ++i) {
            Conn c;
            c.fd = open_connection();
            if (c.fd < 0) {
                ++r.errors;
                continue;
            }
            // Spread the first sends over one period.
            c.next = start + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(period * i / n));
            conns.push_back(std::move(c));
        }
        // Latency counts once every connection has been served once (two periods, 2 s at least).
        r.record_after = start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(std::max(2.0, 2 * period)));
        run(conns, std::atof(argv[5]), period, false, {}, r);
        char what[128];
        std::snprintf(what, sizeof what, "%d keep-alive connections, %.0f req/s", n, rate);
        print(what, r);
        return 0;
    }
    if (mode == "slow") {
        const int n = std::atoi(argv[3]);
        const std::string hold_auth =
            argc >= 6 ? std::string("Authorization: Basic ") + argv[5] + "\r\n" : "";
        for (int i = 0; i < n; ++i) {
            Conn c;
            c.fd = open_connection();
            c.measured = false;
            c.next = Clock::now() + std::chrono::seconds(1);
            if (c.fd < 0) {
                ++r.errors;
                continue;
            }
            send_all(c.fd, hold_auth.empty() ? std::string("GET /health HTTP/1.1\r\nHost: b\r\n")
                                             : track_request(hold_auth));
            conns.push_back(std::move(c));
        }
        std::vector<std::string> drip;
        if (hold_auth.empty()) {
            drip.push_back("X-Slow: 1\r\n");
        }
        run(conns, std::atof(argv[4]), 1.0, true, drip, r);
        char what[160];
        std::snprintf(what, sizeof what, "fresh clients beside %d %s", n,
                      hold_auth.empty() ? "slow-header clients" : "held (hang) connections");
        print(what, r);
        return 0;
    }
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
}
