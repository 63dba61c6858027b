#include "server/http_server.hpp"

#include "server/connection.hpp"
#include "server/request_deadlines.hpp"
#include "server/worker_pool.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <chrono>
#include <httplib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rm {

namespace {
// An idle keep-alive connection is closed after this many seconds.
constexpr int k_keep_alive_s = 2;

// Every connection holds a descriptor: raise the soft limit (often 1024) toward the hard one
// so max_connections fit, as Go's runtime does for the real gateway.
void raise_open_file_limit(int max_connections) {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        return;
    }
    const rlim_t want = static_cast<rlim_t>(max_connections) + 256;
    if (lim.rlim_cur >= want) {
        return;
    }
    lim.rlim_cur = std::min(want, lim.rlim_max);
    setrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < want) {
        log::warn("open files limited to " + std::to_string(lim.rlim_cur) +
                  " (ulimit -n): " + "fewer than --max-connections " +
                  std::to_string(max_connections) + " connections can be open");
    }
}

} // namespace

HttpServer::HttpServer(HttpOptions options, DispatchFn dispatch)
    : m_options(std::move(options)), m_dispatch(std::move(dispatch)) {
    m_counters = m_options.counters;
    if (!m_counters) {
        m_own_counters = std::make_unique<ConnectionCounters>();
        m_counters = m_own_counters.get();
    }
}

HttpServer::~HttpServer() {
    stop();
}

void configure_server(httplib::Server& srv, const HttpOptions& options, const DispatchFn& dispatch,
                      RequestDeadlines& deadlines) {
    RequestDeadlines* dl = &deadlines;
    srv.set_pre_routing_handler([dl](const httplib::Request&, httplib::Response&) {
        dl->head_done();
        return httplib::Server::HandlerResponse::Unhandled;
    });
    srv.set_logger([dl](const httplib::Request&, const httplib::Response&) { dl->answered(); });
    srv.set_tcp_nodelay(true);
    srv.set_keep_alive_max_count(1000000);
    srv.set_keep_alive_timeout(k_keep_alive_s);
    srv.set_read_timeout(5);
    srv.set_write_timeout(5);
    srv.set_payload_max_length(options.max_body_bytes);

    auto with_body = [dispatch, dl](const httplib::Request& req, httplib::Response& res,
                                    const httplib::ContentReader& reader) {
        dl->handling();
        // The body deadline runs while the handler reads the body, not while it works.
        httplib::ContentReader timed(
            [&reader, dl](httplib::ContentReceiver receiver) {
                dl->reading_body();
                const bool ok = reader(std::move(receiver));
                dl->handling();
                return ok;
            },
            [&reader, dl](httplib::MultipartContentHeader header,
                          httplib::ContentReceiver receiver) {
                dl->reading_body();
                const bool ok = reader(std::move(header), std::move(receiver));
                dl->handling();
                return ok;
            });
        dispatch(req, res, &timed);
    };
    auto without_body = [dispatch, dl](const httplib::Request& req, httplib::Response& res) {
        dl->handling();
        dispatch(req, res, nullptr);
    };
    const std::string any = ".*";
    srv.Get(any, without_body);
    srv.Options(any, without_body);
    srv.Post(any, with_body);
    srv.Put(any, with_body);
    srv.Patch(any, with_body);
    srv.Delete(any, with_body);
    srv.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
            std::string what = "unknown";
            try {
                std::rethrow_exception(ep);
            } catch (const std::exception& e) {
                what = e.what();
            } catch (...) {
            }
            log::error("handler exception (a bug): " + what);
            res.status = 500;
            res.set_content("internal error\n", "text/plain; charset=utf-8");
        });
}

Result<int> HttpServer::start() {
    // Debian's build defaults lose traffic or cap throughput; see platform-notes.md.
    raise_open_file_limit(m_options.max_connections);
    DeadlineOptions deadlines;
    deadlines.head = std::chrono::milliseconds(m_options.head_deadline_ms);
    deadlines.body = std::chrono::milliseconds(m_options.body_deadline_ms);
    m_deadlines = std::make_unique<RequestDeadlines>(deadlines, *m_counters);
    ConnectionOptions connection;
    connection.keep_alive = std::chrono::seconds(k_keep_alive_s);
    m_server = std::make_unique<ConnectionServer>(connection, m_deadlines.get());
    auto& srv = *m_server;
    WorkerPoolOptions pool;
    pool.core_threads = static_cast<size_t>(m_options.threads);
    pool.max_connections = static_cast<size_t>(m_options.max_connections);
    srv.new_task_queue = [this, pool] { return new WorkerPool(pool, *m_counters); };
    configure_server(srv, m_options, m_dispatch, *m_deadlines);
    srv.set_socket_options([this](socket_t sock) {
        // SO_REUSEADDR only: without SO_REUSEPORT a second instance fails to bind.
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        m_listen_fd = static_cast<int>(sock);
    });

    int port = m_options.port;
    if (port == 0) {
        port = srv.bind_to_any_port(m_options.bind);
        if (port < 0) {
            return make_error("cannot bind " + m_options.bind + " to any port");
        }
    } else if (!srv.bind_to_port(m_options.bind, port)) {
        return make_error("cannot listen on " + m_options.bind + ":" + std::to_string(port) +
                          " (is the port already in use?)");
    }
    if (m_listen_fd >= 0) {
        ::listen(m_listen_fd, 1024); // the library's backlog of 5 drops bursts of connections
    }
    m_thread = std::thread([this] { m_server->listen_after_bind(); });
    // stop() is a no-op until the accept loop runs, so wait for it (milliseconds at most).
    for (int i = 0; i < 5000 && !m_server->is_running(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return port;
}

void HttpServer::stop() {
    if (!m_server) {
        return;
    }
    m_server->begin_stop(); // idle keep-alive connections close now
    m_server->stop();
    if (m_thread.joinable()) {
        m_thread.join();
    }
    m_server.reset();
    m_deadlines.reset();
}

const ConnectionCounters& HttpServer::counters() const {
    return *m_counters;
}

} // namespace rm
