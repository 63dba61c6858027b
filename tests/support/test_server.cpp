#include "support/test_server.hpp"

#include "util/encoding.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace rm::test {

std::string fixtures_dir() {
    return RUDDERMOCK_FIXTURES_DIR;
}

std::string fixture(const std::string& name) {
    std::ifstream in(fixtures_dir() + "/" + name, std::ios::binary);
    if (!in) {
        throw std::runtime_error("missing fixture " + name);
    }
    std::stringstream buf;
    buf << in.rdbuf();
    return buf.str();
}

std::string basic(const std::string& write_key, const std::string& password) {
    return "Basic " + base64_encode(write_key + ":" + password);
}

std::string raw_exchange(int port, const std::string& bytes, int timeout_ms, bool shutdown_write) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        close(fd);
        throw std::runtime_error("cannot connect");
    }
    size_t sent = 0;
    while (sent < bytes.size()) {
        ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            break; // the server may close early; read what it said
        }
        sent += static_cast<size_t>(n);
    }
    if (shutdown_write) {
        shutdown(fd, SHUT_WR);
    }
    std::string out;
    char buf[65536];
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        if (left <= 0) {
            break;
        }
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left)) <= 0) {
            break;
        }
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            break;
        }
        out.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    return out;
}

RawConnection::RawConnection(int port) {
    m_fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        throw std::runtime_error("cannot connect");
    }
}

RawConnection::~RawConnection() {
    close(m_fd);
}

void RawConnection::send_all(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
        ssize_t n = send(m_fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            return;
        }
        sent += static_cast<size_t>(n);
    }
}

std::string RawConnection::read_response(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        size_t end = m_pending.find("\r\n\r\n");
        if (end != std::string::npos) {
            size_t length = 0;
            size_t cl = m_pending.find("Content-Length: ");
            if (cl != std::string::npos && cl < end) {
                length = std::stoul(m_pending.substr(cl + 16));
            }
            if (m_pending.size() >= end + 4 + length) {
                std::string out = m_pending.substr(0, end + 4 + length);
                m_pending.erase(0, end + 4 + length);
                return out;
            }
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        pollfd p{m_fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, static_cast<int>(left)) <= 0) {
            return std::exchange(m_pending, {});
        }
        char buf[65536];
        ssize_t n = recv(m_fd, buf, sizeof buf, 0);
        if (n <= 0) {
            return std::exchange(m_pending, {});
        }
        m_pending.append(buf, static_cast<size_t>(n));
    }
}

Config TestServer::default_config() {
    Config c;
    c.headless = true;
    c.port = 0;
    c.db = ":memory:";
    c.threads = 16;
    c.log_level = log::Level::warn;
    return c;
}

TestServer::TestServer(Config config) {
    log::set_level(config.log_level);
    auto app = ServerApp::create(config);
    if (!app) {
        throw std::runtime_error("test server: " + app.error().message);
    }
    m_app = std::move(*app);
    auto port = m_app->start();
    if (!port) {
        throw std::runtime_error("test server: " + port.error().message);
    }
    m_port = *port;
}

TestServer::~TestServer() {
    m_app->stop();
}

httplib::Client TestServer::client() const {
    httplib::Client c("127.0.0.1", m_port);
    c.set_keep_alive(true);
    c.set_decompress(false);
    c.set_read_timeout(20, 0);
    return c;
}

httplib::Result TestServer::post(const std::string& path, const std::string& write_key,
                                 const std::string& body, const std::string& content_type) const {
    auto c = client();
    httplib::Headers h = {{"Authorization", basic(write_key)}};
    return c.Post(path.c_str(), h, body, content_type.c_str());
}

nlohmann::json TestServer::admin_json(const std::string& path_and_query) const {
    auto c = client();
    auto res = c.Get(path_and_query.c_str());
    if (!res) {
        throw std::runtime_error("admin request failed: " + path_and_query);
    }
    auto j = nlohmann::json::parse(res->body, nullptr, false);
    if (j.is_discarded()) {
        throw std::runtime_error("admin answer is not JSON: " + res->body);
    }
    return j;
}

} // namespace rm::test
