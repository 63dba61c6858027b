// The HTTP front door: cpp-httplib tuned per platform-notes.md, with every method and path
// sent to one dispatch function so the gateway can answer 404/405/CORS exactly.
//
// Threads: cpp-httplib runs each connection on a worker of its pool (`threads` of them).
// Handlers run on those workers; they reach shared state only through the Store's queue and
// the thread-safe SourceRegistry/RateLimiter.
#pragma once

#include "util/result.hpp"

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

struct HttpOptions {
    std::string bind = "127.0.0.1";
    int port = 8080; // 0 = any free port
    int threads = 64;
    size_t max_body_bytes = 64 * 1024 * 1024; // Content-Length above this is refused unread
};

// Called for every request. reader is null when the request carries no body to read.
using DispatchFn = std::function<void(const httplib::Request&, httplib::Response&,
                                      const httplib::ContentReader* reader)>;

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

  private:
    HttpOptions m_options;
    DispatchFn m_dispatch;
    std::unique_ptr<httplib::Server> m_server;
    std::thread m_thread;
    int m_listen_fd = -1;
};

} // namespace rm
