// Deadlines for slow clients. cpp-httplib only times out each read (5 s), so a client sending
// a header line every second could hold its connection (and thread) forever. Here a request's
// head (request line and headers) must be in within `head` of the connection opening or of the
// previous answer being written, and its body within `body` of starting to read it. One
// watchdog thread looks every `tick` and shuts down (SHUT_RDWR) the socket of a connection
// past its deadline: the library's blocked read returns, it closes the connection, the thread
// is free. While a handler works (faults, delays, hangs) no deadline runs.
//
// Where each phase starts, all on the connection's worker thread (the thread-local says which
// connection it serves): connection_begin (head) in the worker pool; head_done (body) from the
// pre-routing handler, which cpp-httplib calls once the headers are parsed; handling (none)
// when the route handler starts; reading_body (body) / handling around the handler's body
// read; answered (head) from the logger, called after the answer is written.
//
// Threads: the hooks and the watchdog meet in m_mutex (a map lookup per hook). Before cutting,
// the watchdog checks that the descriptor still has the peer it had (a closed descriptor may
// be reused by then).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace rm {

struct ConnectionCounters;

struct DeadlineOptions {
    std::chrono::milliseconds head{10000};
    std::chrono::milliseconds body{60000};
    std::chrono::milliseconds tick{100}; // how often the watchdog looks
};

class RequestDeadlines {
  public:
    RequestDeadlines(DeadlineOptions options, ConnectionCounters& counters);
    ~RequestDeadlines(); // stops the watchdog
    RequestDeadlines(const RequestDeadlines&) = delete;
    RequestDeadlines& operator=(const RequestDeadlines&) = delete;

    // Worker thread, around one connection's whole life.
    void connection_begin(int fd);
    void connection_end();

    // Worker thread hooks; no-ops on a thread serving no connection.
    void head_done();
    void handling();
    void reading_body();
    void answered();

  private:
    enum class Phase { head, body, handling };
    struct Entry {
        int fd = -1;
        int peer_port = -1;
        Phase phase = Phase::head;
        std::chrono::steady_clock::time_point deadline;
        bool cut = false;
    };
    void set_phase(Phase phase);
    void watch();
    void log_cuts(int64_t n);

    DeadlineOptions m_options;
    ConnectionCounters& m_counters;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::unordered_map<uint64_t, Entry> m_entries; // by connection id
    bool m_stop = false;
    std::chrono::steady_clock::time_point m_last_log{};
    int64_t m_unlogged = 0;
    std::thread m_thread;
};

} // namespace rm
