// Tee mode (--forward URL): relays every request the gateway accepted to a real data plane
// (another ruddermock, a rudder-server), in order, from one background thread. The local
// answer never waits for it.
//
// Thread meeting points (the store owns both, see storage/store.hpp, point 4):
//  - the forward_queue table: the store's writer adds each accepted request in the same
//    transaction as the request; this thread reads the oldest through Store::forward_pending()
//    (a read connection) and removes them through Store::forward_record() (a write job). It
//    never touches SQLite itself.
//  - the generation counter: with the queue empty this thread sleeps in
//    Store::wait_for_change(), so it reads the queue again only after a commit (it wakes at
//    least every 100 ms to see whether stop() was called, without reading).
// stop() wakes a backoff at once and aborts a send in flight (httplib::Client::stop()).
//
// Delivery is at least once: a send aborted by stop() (or a crash) after the upstream received
// it stays queued and is sent again by the next run with --forward.
#pragma once

#include "util/result.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace httplib {
class Client;
}

namespace rm {

class Store;
struct StoredRequest;

// http://HOST[:PORT][/BASE-PATH]: forwarded requests go to BASE-PATH + their own path.
struct ForwardTarget {
    std::string url; // as given
    std::string host;
    int port = 80;
    std::string base_path; // "" or "/prefix" (no trailing slash)
};
// Errors name what is wrong ("--forward must start with http:// ..."), for the exit-2 message.
Result<ForwardTarget> parse_forward_url(const std::string& url);
// True when target is this server itself (listening on bind:port): every forwarded request
// would be accepted and queued again, for ever.
bool forwards_to_itself(const ForwardTarget& target, const std::string& bind, int port);

struct ForwarderOptions {
    ForwardTarget target;
    // After a connection error, a 5xx or a 429: retry the same request after first_backoff,
    // doubling up to max_backoff, until it gets another answer.
    std::chrono::milliseconds first_backoff{100};
    std::chrono::milliseconds max_backoff{5000};
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds read_timeout{10000}; // a slower answer counts as no connection
};

class Forwarder {
  public:
    Forwarder(Store& store, ForwarderOptions options);
    ~Forwarder(); // stop()
    Forwarder(const Forwarder&) = delete;
    Forwarder& operator=(const Forwarder&) = delete;

    void start();
    // Returns once the thread has ended. Call it before the store closes.
    void stop();

  private:
    void run();
    // One attempt: the upstream's status, 0 when there was no answer.
    int send(const StoredRequest& request);
    // Sleeps for d or until stop(); false when stopping.
    bool pause(std::chrono::milliseconds d);
    bool stopping();

    Store& m_store;
    ForwarderOptions m_options;
    std::unique_ptr<httplib::Client> m_client; // used by the thread; stop() may abort it
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;          // under m_mutex
    std::atomic<bool> m_ended{false}; // the thread has left run()
    std::thread m_thread;
};

} // namespace rm
