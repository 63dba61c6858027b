// Wall-clock helpers. All times are UTC.
#pragma once

#include <cstdint>
#include <string>

namespace rm {

// Milliseconds since the Unix epoch.
int64_t now_ms();
// Microseconds from a monotonic clock (for durations only).
int64_t mono_us();
// Formats like Go's "2006-01-02T15:04:05.000Z07:00" in UTC, e.g. 2026-01-02T03:04:05.678Z.
std::string format_rfc3339_ms(int64_t epoch_ms);
// HTTP date (RFC 9110 IMF-fixdate), e.g. "Thu, 26 Nov 2026 09:50:00 GMT".
std::string format_http_date(int64_t epoch_ms);
// True when text looks like an ISO 8601 / RFC 3339 date-time (date, 'T', time, optional
// fraction, optional zone). Used for lint warnings only.
bool looks_like_iso8601(const std::string& text);

} // namespace rm
