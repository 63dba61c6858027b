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
    // True when cost events are allowed now for the workspace; records them if so.
    bool allow(const std::string& workspace, int64_t cost, int64_t now_ms);

  private:
    RateLimitConfig m_config;
    std::mutex m_mutex;
    std::map<std::string, double> m_tat; // theoretical arrival time per workspace, in ms
};

} // namespace rm
