#include "server/http_server.hpp"

#include "util/log.hpp"

#include <chrono>
#include <httplib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rm {

namespace {
// HTTP workers run at a lower priority (nice) than the store's writer thread, which every
// request waits for: under load the scheduler otherwise preempts the writer ~75 times a second
// in favour of the 64 workers. Measured with bench/run.sh traffic on 2 cores: nice 10 gave
// batches +8% and singles +2-5% over nice 0 (nice 3: +1%). Linux applies it per thread.
constexpr int k_worker_nice = 10;

class WorkerPool : public httplib::TaskQueue {
  public:
    explicit WorkerPool(size_t threads) : m_pool(threads) {}
    void enqueue(std::function<void()> fn) override {
        m_pool.enqueue([fn = std::move(fn)] {
            static thread_local bool niced = [] {
                setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), k_worker_nice);
                return true;
            }();
            (void)niced;
            fn();
        });
    }
    void shutdown() override { m_pool.shutdown(); }

  private:
    httplib::ThreadPool m_pool;
};
} // namespace

HttpServer::HttpServer(HttpOptions options, DispatchFn dispatch)
    : m_options(std::move(options)), m_dispatch(std::move(dispatch)) {}

HttpServer::~HttpServer() {
    stop();
}

Result<int> HttpServer::start() {
    m_server = std::make_unique<httplib::Server>();
    auto& srv = *m_server;
    // Debian's build defaults lose traffic or cap throughput; see platform-notes.md.
    int threads = m_options.threads;
    srv.new_task_queue = [threads] { return new WorkerPool(static_cast<size_t>(threads)); };
    srv.set_tcp_nodelay(true);
    srv.set_keep_alive_max_count(1000000);
    srv.set_keep_alive_timeout(2);
    srv.set_read_timeout(5);
    srv.set_write_timeout(5);
    srv.set_payload_max_length(m_options.max_body_bytes);
    srv.set_socket_options([this](socket_t sock) {
        // SO_REUSEADDR only: without SO_REUSEPORT a second instance fails to bind.
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        m_listen_fd = static_cast<int>(sock);
    });

    auto with_body = [this](const httplib::Request& req, httplib::Response& res,
                            const httplib::ContentReader& reader) {
        m_dispatch(req, res, &reader);
    };
    auto without_body = [this](const httplib::Request& req, httplib::Response& res) {
        m_dispatch(req, res, nullptr);
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
    m_server->stop();
    if (m_thread.joinable()) {
        m_thread.join();
    }
    m_server.reset();
}

} // namespace rm
