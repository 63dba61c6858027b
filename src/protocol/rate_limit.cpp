#include "protocol/rate_limit.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace rm {

std::optional<RateLimitConfig> parse_rate_limit(std::string_view text) {
    size_t slash = text.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    RateLimitConfig out;
    int64_t seconds = 0;
    auto a = std::from_chars(text.data(), text.data() + slash, out.events);
    auto b = std::from_chars(text.data() + slash + 1, text.data() + text.size(), seconds);
    if (a.ec != std::errc() || a.ptr != text.data() + slash || b.ec != std::errc() ||
        b.ptr != text.data() + text.size() || out.events <= 0 || seconds <= 0) {
        return std::nullopt;
    }
    out.window_ms = seconds * 1000;
    return out;
}

bool RateLimiter::allow(const std::string& key, int64_t cost, int64_t now_ms,
                        int64_t* retry_after_ms) {
    // GCRA: each event advances the theoretical arrival time by window/limit; a request is
    // allowed while that time stays within one window of now (a burst of up to the limit).
    const double interval =
        static_cast<double>(m_config.window_ms) / static_cast<double>(m_config.events);
    const double now = static_cast<double>(now_ms);
    std::lock_guard lock(m_mutex);
    double& tat = m_tat[key];
    double next = std::max(tat, now) + interval * static_cast<double>(cost);
    if (next - now > static_cast<double>(m_config.window_ms) + 1e-9) {
        if (retry_after_ms) {
            // It fits once now has moved up to next - window (never, beyond one window).
            double wait = next - static_cast<double>(m_config.window_ms) - now;
            *retry_after_ms = static_cast<int64_t>(std::ceil(std::max(wait, 0.0)));
        }
        return false;
    }
    tat = next;
    return true;
}

} // namespace rm
