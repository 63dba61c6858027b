// The gateway: the request pipeline for every RudderStack route (gateway.md sections 1-4).
// Runs on HTTP worker threads; it never touches SQLite, it hands records to the Store and
// waits for their commit before answering.
#pragma once

#include "faults/fault_engine.hpp"
#include "protocol/rate_limit.hpp"
#include "protocol/reason.hpp"
#include "protocol/routes.hpp"
#include "protocol/sources.hpp"
#include "server/bulk_pool.hpp"
#include "storage/store.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace httplib {
struct Request;
struct Response;
class ContentReader;
} // namespace httplib

namespace rm {

struct GatewayOptions {
    Profile profile = Profile::rudder;
    size_t max_request_bytes = 4000 * 1024;
    std::optional<RateLimitConfig> rate_limit;
    bool rate_limit_by_write_key = false; // one bucket per write key instead of per workspace
    bool rate_limit_retry_after = false;  // rate-limit 429s carry Retry-After (seconds)
    int max_in_flight = 0; // gateway requests handled at once before 503; 0 = no limit
    bool retl_require_destination_id = false;
    std::vector<std::string> redact_headers; // journaled as "<redacted>" (names without case)
    // Low-priority threads that parse large bodies (bulk_pool.hpp): one per core but one, at
    // least one; 0 = parse on the HTTP worker. (2 cores: 1 thread gave batches +25%, 2 +14%.)
    size_t bulk_threads = BulkPool::default_threads();
};

class Gateway {
  public:
    Gateway(GatewayOptions options, Store& store, SourceRegistry& sources, FaultEngine& faults);

    // Answers one request to a non-admin path (including 404s, 405s and preflights).
    void handle(const httplib::Request& req, httplib::Response& res,
                const httplib::ContentReader* reader);

    // Bodies are read up to this many bytes (decoded); beyond it the answer is 413 at once.
    size_t body_cap() const;
    // Ends fault delays and hangs early so the HTTP server can stop (call before stopping it).
    void begin_shutdown();

  private:
    struct Exchange; // one request's journal record and answer, filled as the pipeline runs

    void run_pipeline(const RouteInfo& route, const httplib::Request& req,
                      const httplib::ContentReader* reader, Exchange& ex);
    void answer_info_route(const RouteInfo& route, const httplib::Request& req, Exchange& ex);
    // The fault step: journals the request's delivery, asks the fault plan, sleeps a drawn
    // delay. True when a fault decides the answer (the events are then not stored).
    bool apply_faults(const httplib::Request& req, Exchange& ex);
    void sleep_ms(int64_t ms) const;
    void finish(Exchange& ex, httplib::Response& res);
    // The answer of a fault that refuses the request: a status, or a connection fault done
    // to the socket after the request is journaled.
    void finish_fault(const httplib::Request& req, Exchange& ex, httplib::Response& res);

    GatewayOptions m_options;
    Store& m_store;
    SourceRegistry& m_sources;
    FaultEngine& m_faults;
    std::atomic<bool> m_stopping{false};
    std::unique_ptr<RateLimiter> m_rate_limiter;
    std::atomic<int> m_in_flight{0}; // shared by the HTTP workers
    std::unique_ptr<BulkPool> m_bulk;
};

} // namespace rm
