// `ruddermock replay`: sends exported events (NDJSON) or journaled requests (HAR) again, to
// another ruddermock or a real rudder-server. Pure: planning turns the file into requests,
// the run loop retries and counts through the functions it is given; the command
// (src/app/cmd_replay.cpp) brings the HTTP client, the clock and the terminal.
//
// NDJSON (`ruddermock export --format ndjson`, normalised or not; a JSON array too): each
// event goes as POST /v1/{type} (identify, track, page, screen, group, alias, merge,
// audiencelist), or with batch N in POST /v1/batch bodies {"batch":[...]} of up to N events
// (and below 3.5 MB, the gateway's default limit being 4000 KB). Before sending:
//   - rudderId, receivedAt and request_ip (top level) are left out: the gateway sets them on
//     arrival, so sending the stored ones would only pretend they survive;
//   - the placeholders of a normalised export (export/normalize.hpp) get real values again:
//     "<messageId-N>", "<anonymousId-N>" and "<rudderId-N>" one fresh UUID per distinct
//     placeholder (events that shared a messageId share the new one), "<timestamp>" the time
//     the replay started, a "_metadata": "<_metadata>" member is left out; others
//     ("<request_ip-N>", "<library.version-N>") go as they are;
//   - everything else is sent as stored, messageIds of a plain export included (a data plane
//     that deduplicates may then drop them: replay a normalised export to get new ones).
// HAR (`ruddermock export --format har`, or a browser's): each entry's request again, its
// method, path and query, body (placeholders filled as above) and headers, except Host,
// Content-Length, Content-Encoding (bodies are decoded), Accept-Encoding, hop-by-hop
// headers and the placeholders "<date>", "<user-agent>". The write key replaces the entry's
// Authorization and a writeKey query parameter (beacon, pixel, webhook); an entry with
// neither gets an Authorization header for it. Refused entries of `--all-requests` are sent
// like the others.
#pragma once

#include "util/result.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rm {

enum class ReplayInput { ndjson, har };

// HAR when the name ends in .har or the whole text is one JSON object with a "log" member.
ReplayInput detect_replay_input(std::string_view file_name, std::string_view text);

struct ReplayRequest {
    std::string method = "POST";
    std::string path; // with the query, below the target's base path
    std::vector<std::pair<std::string, std::string>> headers; // Authorization included
    std::string body;
    int64_t events = 0; // NDJSON: the events it carries
    std::string where;  // "line 12", "lines 11-20", "entry 3 (POST /v1/track)"
};

struct ReplayPlan {
    std::vector<ReplayRequest> requests;
    bool har = false;
    int64_t units() const; // events (NDJSON) or requests (HAR)
};

struct ReplayPlanOptions {
    std::string write_key; // "" (HAR only): each entry keeps its own Authorization and writeKey
    size_t batch = 0;      // 0: one POST /v1/{type} per event
    size_t max_batch_bytes = 3500 * 1024;
    std::string base_path;               // the target URL's path: "" or "/prefix"
    int64_t now_ms = 0;                  // the value of "<timestamp>"
    std::function<std::string()> new_id; // fresh ids for placeholders; random UUIDs if empty
};

// Errors name the place: "line 7: not valid JSON", "line 3: no type",
// "entry 2: no request.url", "not a HAR file (no log.entries)".
Result<ReplayPlan> plan_replay(std::string_view text, ReplayInput input,
                               const ReplayPlanOptions& options);

// --- sending --------------------------------------------------------------------------------

struct ReplayAnswer {
    int status = 0;    // 0: no answer (refused, reset, timed out)
    std::string error; // why, when status is 0
    std::string body;
    std::optional<std::chrono::milliseconds> retry_after;
};
using ReplaySend = std::function<ReplayAnswer(const ReplayRequest&)>;
using ReplaySleep = std::function<void(std::chrono::microseconds)>;

// No answer, 429 and 5xx are retried after first_backoff, doubling up to max_backoff (or
// after Retry-After, at most max_retry_after), until attempts were made.
struct RetryPolicy {
    std::chrono::milliseconds first_backoff{100};
    std::chrono::milliseconds max_backoff{5000};
    int attempts = 8;
    std::chrono::milliseconds max_retry_after{60000};
};
bool replay_retryable(int status);
// The wait after the failed_attempts-th failed attempt (1-based).
std::chrono::milliseconds replay_backoff(const RetryPolicy& policy, int failed_attempts);
// Retry-After as seconds ("2", "0.5"); nullopt for anything else (HTTP dates included).
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value);

struct ReplayRunOptions {
    RetryPolicy retry;
    double rate = 0;    // requests (attempts) per second; 0: each as soon as answered
    std::string target; // the URL, for messages
};

struct ReplaySummary {
    bool har = false;
    int64_t requests = 0;  // planned
    int64_t units = 0;     // events (NDJSON) or requests (HAR), planned
    int64_t delivered = 0; // units answered 2xx
    int64_t refused = 0;   // answered another final status (4xx but 429, 3xx)
    int64_t failed = 0;    // still 429/5xx/no answer after the last attempt
    int64_t unsent = 0;    // not tried: the target stopped answering
    int64_t retries = 0;
    std::map<int, int64_t> answers; // status -> count over every attempt; 0 = no answer
    // The first request found no one at the target, after its retries: exit 2.
    bool unreachable = false;
    std::string last_error;

    // "replay: 120 events in 12 requests to URL: 120 delivered, 0 refused, 0 failed,
    // 0 not sent; answers: 200 (12), 503 (2)"
    std::string text(const std::string& target) const;
    // 0 all delivered, 1 something was not, 2 unreachable.
    int exit_code() const;
};

using ReplayReport = std::function<void(const std::string& line)>;
using ReplayProgress = std::function<void(int64_t done, int64_t total)>;

// Sends plan's requests in order, one at a time. Reports each request not delivered as it
// happens ("line 7: refused: 400 invalid JSON"). Stops when a request ends without any answer
// after its retries: the target is gone, the rest is counted as not sent.
ReplaySummary run_replay(const ReplayPlan& plan, const ReplaySend& send, const ReplaySleep& sleep,
                         const ReplayRunOptions& options, const ReplayReport& report,
                         const ReplayProgress& progress = {});

} // namespace rm
