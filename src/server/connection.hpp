// One HTTP connection, served start to end on one worker thread: our own keep-alive loop over
// cpp-httplib's request parser (Server::process_request), replacing the library's.
//
// Why not the library's loop (0.11.4): it makes a new socket stream, with a new read-ahead
// buffer, for every request, so a second request that arrived in the same read as the first
// (pipelining) was dropped and the connection then idled until its keep-alive time-out; and it
// polls before every read and write and sends a response's head and body in two packets.
// Here one stream lives as long as the connection: bytes read ahead stay for the next request,
// a response goes out in one send() when the handler is done (or before the server next waits
// for the client, e.g. after "100 Continue"), and the wait for the next request is one poll
// for the keep-alive time-out that stop() can end at once.
//
// Threads: serve() and process_and_close_socket() run on the connection's worker thread;
// begin_stop() on any thread (an atomic flag and an eventfd every waiting poll includes).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <httplib.h>
#include <string>

namespace rm {

class RequestDeadlines;
class WorkerPool;

// A connection's byte stream as the keep-alive loop needs it, on top of httplib::Stream.
class ConnectionStream : public httplib::Stream {
  public:
    // True once the next request's first bytes are here (buffered or readable) within
    // `wait`; false when the client closed, the time-out passed or the server is stopping.
    virtual bool wait_for_request(std::chrono::milliseconds wait) = 0;
    // Sends what write() has buffered. False when the client is gone.
    virtual bool flush() = 0;
};

struct ConnectionOptions {
    std::chrono::milliseconds keep_alive{2000}; // an idle connection is closed after this
};

// A connected TCP socket as a ConnectionStream. Does not own the descriptor. Reads and sends
// block: the library's accept loop set SO_RCVTIMEO and SO_SNDTIMEO to its read and write
// time-outs, so one stalled read or send fails after that long.
class SocketConnection final : public ConnectionStream {
  public:
    SocketConnection(int fd, int wake_fd, const ConnectionOptions& options);

    bool is_readable() const override;
    bool is_writable() const override { return !m_failed; }
    ssize_t read(char* ptr, size_t size) override;
    ssize_t write(const char* ptr, size_t size) override;
    void get_remote_ip_and_port(std::string& ip, int& port) const override;
    void get_local_ip_and_port(std::string& ip, int& port) const override;
    socket_t socket() const override { return m_fd; }

    bool wait_for_request(std::chrono::milliseconds wait) override;
    bool flush() override;

  private:
    static constexpr size_t k_buffer = 16 * 1024;
    static constexpr size_t k_flush_at = 64 * 1024; // a streamed answer goes out in pieces
    bool wait_readable(int timeout_ms) const;

    // A connection's two ends do not change: each is looked up on first use (the library asks
    // for both on every request) and kept. port < 0: not looked up yet.
    struct Address {
        std::string ip;
        int port = -1;
        void look_up(int fd, int (*name_of)(int, sockaddr*, socklen_t*));
    };
    mutable Address m_remote;
    mutable Address m_local;

    int m_fd;
    int m_wake_fd;
    ConnectionOptions m_options;
    char m_in[k_buffer];
    size_t m_in_pos = 0;
    size_t m_in_end = 0;
    std::string m_out;
    bool m_failed = false;
};

// The httplib::Server whose connections run through serve(). Its task queue should be a
// WorkerPool: a connection the pool has no room for reaches process_and_close_socket() in
// refusal mode (WorkerPool::refusing()) and is answered 503 and closed there.
class ConnectionServer : public httplib::Server {
  public:
    // deadlines may be null (no per-request deadlines).
    ConnectionServer(ConnectionOptions options, RequestDeadlines* deadlines);
    ~ConnectionServer() override;
    ConnectionServer(const ConnectionServer&) = delete;
    ConnectionServer& operator=(const ConnectionServer&) = delete;

    // Serves requests on `conn` one after another until the client closes, a request asks to
    // close, the connection idles past the keep-alive time-out or the server stops.
    void serve(ConnectionStream& conn);
    // Ends every keep-alive wait now and closes connections after their current request.
    // Call before httplib::Server::stop(), which then joins the workers without waiting.
    void begin_stop();

  private:
    bool process_and_close_socket(socket_t sock) override;

    ConnectionOptions m_options;
    RequestDeadlines* m_deadlines;
    int m_wake_fd = -1;
    std::atomic<bool> m_stopping{false};
};

} // namespace rm
