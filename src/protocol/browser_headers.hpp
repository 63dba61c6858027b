// What the browser SDK (@rudderstack/analytics-js v3) says in its request headers, read back
// from a journaled request's headers (gateway.md section 5): the AnonymousId header
// (base64 of the event's anonymousId), SentAt, and on retries Rsa-Retry-Attempt,
// Rsa-Since-Last-Attempt, Rsa-Since-First-Attempt, Rsa-Retry-Reason; Rsa-Recovered for an
// event reclaimed from another tab's storage. Pure: nothing is stored besides the headers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rm {

struct BrowserHeaders {
    std::optional<std::string> anonymous_id;     // AnonymousId, base64-decoded
    std::optional<std::string> anonymous_id_raw; // AnonymousId as sent, when it is not base64
    std::optional<std::string> sent_at;
    std::optional<std::string> retry_attempt;       // "1" for the first retry
    std::optional<std::string> since_last_attempt;  // milliseconds
    std::optional<std::string> since_first_attempt; // milliseconds
    std::optional<std::string> retry_reason;        // e.g. "server-503", "client-timeout"
    std::optional<std::string> recovered;           // "true"

    bool any() const;
};

// headers_json: the journal's object of name -> value (or array of values when repeated);
// names are matched without case. Anything unreadable is simply absent.
BrowserHeaders read_browser_headers(std::string_view headers_json);

// {"anonymous_id_header","sent_at","retry_attempt","since_last_attempt_ms",
// "since_first_attempt_ms","retry_reason","recovered"} with only the headers present (numbers
// as JSON numbers when they are integers, "recovered" as a boolean when true/false), or
// "null" when the request has none of them.
std::string browser_headers_json(const BrowserHeaders& headers);

} // namespace rm
