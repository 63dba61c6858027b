// The gateway: the request pipeline for every RudderStack route (gateway.md sections 1-4).
// Runs on HTTP worker threads; it never touches SQLite, it hands records to the Store and
// waits for their commit before answering.
#pragma once

#include "protocol/rate_limit.hpp"
#include "protocol/reason.hpp"
#include "protocol/routes.hpp"
#include "protocol/sources.hpp"
#include "server/bulk_pool.hpp"
#include "storage/store.hpp"

#include <atomic>
#include <memory>

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
    int max_in_flight = 0; // gateway requests handled at once before 503; 0 = no limit
    bool retl_require_destination_id = false;
    // Low-priority threads that parse large bodies (bulk_pool.hpp): one per core but one, at
    // least one; 0 = parse on the HTTP worker. (2 cores: 1 thread gave batches +25%, 2 +14%.)
    size_t bulk_threads = BulkPool::default_threads();
};

class Gateway {
  public:
    Gateway(GatewayOptions options, Store& store, SourceRegistry& sources);

    // Answers one request to a non-admin path (including 404s, 405s and preflights).
    void handle(const httplib::Request& req, httplib::Response& res,
                const httplib::ContentReader* reader);

    // Bodies are read up to this many bytes (decoded); beyond it the answer is 413 at once.
    size_t body_cap() const;

  private:
    struct Exchange; // one request's journal record and answer, filled as the pipeline runs

    void run_pipeline(const RouteInfo& route, const httplib::Request& req,
                      const httplib::ContentReader* reader, Exchange& ex);
    void answer_info_route(const RouteInfo& route, Exchange& ex);
    void finish(Exchange& ex, httplib::Response& res);

    GatewayOptions m_options;
    Store& m_store;
    SourceRegistry& m_sources;
    std::unique_ptr<RateLimiter> m_rate_limiter;
    std::atomic<int> m_in_flight{0}; // shared by the HTTP workers
    std::unique_ptr<BulkPool> m_bulk;
};

} // namespace rm
