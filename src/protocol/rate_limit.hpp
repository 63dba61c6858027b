// The gateway's optional per-workspace rate limit: GCRA, N events per window, each request
// costing its number of events (gateway.md 4.4). Thread-safe (one mutex).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace rm {

struct RateLimitConfig {
    int64_t events = 1000;
    int64_t window_ms = 60000;
};

// Parses "EVENTS/SECONDS", e.g. "1000/60".
std::optional<RateLimitConfig> parse_rate_limit(std::string_view text);

class RateLimiter {
  public:
    explicit RateLimiter(RateLimitConfig config) : m_config(config) {}
    // True when cost events are allowed now for the key (a workspace, or a write key with
    // --rate-limit-by write-key); records them if so. When refused and retry_after_ms is
    // given, it receives how long until the request would fit (for a Retry-After header).
    bool allow(const std::string& key, int64_t cost, int64_t now_ms,
               int64_t* retry_after_ms = nullptr);

  private:
    RateLimitConfig m_config;
    std::mutex m_mutex;
    std::map<std::string, double> m_tat; // theoretical arrival time per workspace, in ms
};

} // namespace rm
