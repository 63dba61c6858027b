// The HTTP front door: cpp-httplib tuned per platform-notes.md, with every method and path
// sent to one dispatch function so the gateway can answer 404/405/CORS exactly.
//
// Threads: cpp-httplib's accept loop hands each connection to a worker of its pool, which grows
// on demand up to max_connections and shrinks back to `threads` when idle (worker_pool.hpp);
// the worker serves the connection with our keep-alive loop (connection.hpp); a watchdog
// cuts off clients whose request head or body is late (request_deadlines.hpp). Handlers run
// on the workers; they reach shared state only through the Store's queue and the
// thread-safe SourceRegistry/RateLimiter.
#pragma once

#include "util/result.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
struct Request;
struct Response;
class ContentReader;
} // namespace httplib

namespace rm {

struct ConnectionCounters;
class ConnectionServer;
class RequestDeadlines;

struct HttpOptions {
    std::string bind = "127.0.0.1";
    int port = 8080;                          // 0 = any free port
    int threads = 8;                          // workers kept when idle
    int max_connections = 1024;               // served at once; beyond, refused at once and counted
    int64_t head_deadline_ms = 10000;         // a request's head must be in by then
    int64_t body_deadline_ms = 60000;         // and its body within this of starting to read it
    size_t max_body_bytes = 64 * 1024 * 1024; // Content-Length above this is refused unread
    ConnectionCounters* counters = nullptr;   // where to count; null: the server's own
};

// Called for every request. reader is null when the request carries no body to read.
using DispatchFn = std::function<void(const httplib::Request&, httplib::Response&,
                                      const httplib::ContentReader* reader)>;

// What start() sets on its httplib::Server besides the socket, the worker pool and binding:
// timeouts, keep-alive, the payload cap (options.max_body_bytes), every method and path to
// dispatch with the deadline hooks, the exception handler. fuzz/fuzz_http.cpp serves through
// it too.
void configure_server(httplib::Server& srv, const HttpOptions& options, const DispatchFn& dispatch,
                      RequestDeadlines& deadlines);

class HttpServer {
  public:
    HttpServer(HttpOptions options, DispatchFn dispatch);
    ~HttpServer(); // stops and joins
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds (a busy port is an error, never shared) and starts serving on a thread.
    Result<int> start();
    // Stops accepting, lets in-flight requests finish, joins the threads.
    void stop();
    // Open, peak, refused and cut-off connections (atomics: read from any thread).
    const ConnectionCounters& counters() const;

  private:
    HttpOptions m_options;
    DispatchFn m_dispatch;
    std::unique_ptr<ConnectionCounters> m_own_counters;
    ConnectionCounters* m_counters = nullptr;
    std::unique_ptr<RequestDeadlines> m_deadlines;
    std::unique_ptr<ConnectionServer> m_server;
    std::thread m_thread;
    int m_listen_fd = -1;
};

} // namespace rm
