// Sending a replay plan: run_replay's loop (pacing, retries with backoff or Retry-After, the
// stop when the target no longer answers) and the summary it returns.
#include "export/replay.hpp"

#include <algorithm>
#include <charconv>

namespace rm {

namespace {

std::string trimmed_body(const std::string& body) {
    std::string out = body.substr(0, 200);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) {
        out.pop_back();
    }
    for (char& c : out) {
        if (c == '\n' || c == '\r') {
            c = ' ';
        }
    }
    return out;
}

std::string answer_text(const ReplayAnswer& a) {
    if (a.status == 0) {
        return "no answer (" + a.error + ")";
    }
    const std::string body = trimmed_body(a.body);
    return std::to_string(a.status) + (body.empty() ? "" : " " + body);
}

} // namespace

bool replay_retryable(int status) {
    return status == 0 || status == 429 || (status >= 500 && status <= 599);
}

std::chrono::milliseconds replay_backoff(const RetryPolicy& policy, int failed_attempts) {
    auto delay = policy.first_backoff;
    for (int i = 1; i < failed_attempts && delay < policy.max_backoff; ++i) {
        delay *= 2;
    }
    return std::min(delay, policy.max_backoff);
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value) {
    while (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
    }
    while (!value.empty() && value.back() == ' ') {
        value.remove_suffix(1);
    }
    double seconds = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (value.empty() || ec != std::errc() || p != value.data() + value.size() || seconds < 0 ||
        seconds > 1e6) {
        return std::nullopt;
    }
    return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

std::string ReplaySummary::text(const std::string& target) const {
    std::string out = "replay: ";
    if (har) {
        out += std::to_string(requests) + " requests";
    } else {
        out += std::to_string(units) + " events in " + std::to_string(requests) + " requests";
    }
    out += " to " + target + ": " + std::to_string(delivered) + " delivered, " +
           std::to_string(refused) + " refused, " + std::to_string(failed) + " failed, " +
           std::to_string(unsent) + " not sent; answers:";
    bool first = true;
    for (const auto& [status, count] : answers) {
        out += first ? " " : ", ";
        first = false;
        out += (status == 0 ? std::string("no answer") : std::to_string(status)) + " (" +
               std::to_string(count) + ")";
    }
    if (first) {
        out += " none";
    }
    return out;
}

int ReplaySummary::exit_code() const {
    if (unreachable) {
        return 2;
    }
    return delivered == units ? 0 : 1;
}

ReplaySummary run_replay(const ReplayPlan& plan, const ReplaySend& send, const ReplaySleep& sleep,
                         const ReplayRunOptions& options, const ReplayReport& report,
                         const ReplayProgress& progress) {
    using clock = std::chrono::steady_clock;
    ReplaySummary s;
    s.har = plan.har;
    s.requests = static_cast<int64_t>(plan.requests.size());
    s.units = plan.units();
    const auto interval = std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(options.rate > 0 ? 1.0 / options.rate : 0.0));
    clock::time_point next_send = clock::now();
    auto pace = [&] {
        if (options.rate <= 0) {
            return;
        }
        const auto now = clock::now();
        if (now < next_send) {
            sleep(std::chrono::duration_cast<std::chrono::microseconds>(next_send - now));
        }
        next_send = std::max(now, next_send) + interval;
    };
    const int attempts = std::max(1, options.retry.attempts);
    bool answered = false;
    if (progress) {
        progress(0, s.units);
    }
    int64_t done = 0;
    for (size_t i = 0; i < plan.requests.size(); ++i) {
        const ReplayRequest& req = plan.requests[i];
        const int64_t units = plan.har ? 1 : req.events;
        ReplayAnswer answer;
        int attempt = 0;
        while (true) {
            ++attempt;
            pace();
            answer = send(req);
            ++s.answers[answer.status];
            answered = answered || answer.status != 0;
            if (!replay_retryable(answer.status) || attempt >= attempts) {
                break;
            }
            ++s.retries;
            auto delay = answer.retry_after
                             ? std::min(*answer.retry_after, options.retry.max_retry_after)
                             : replay_backoff(options.retry, attempt);
            sleep(std::chrono::duration_cast<std::chrono::microseconds>(delay));
        }
        const std::string tries =
            " after " + std::to_string(attempt) + (attempt == 1 ? " attempt" : " attempts");
        if (answer.status >= 200 && answer.status < 300) {
            s.delivered += units;
        } else if (answer.status == 0) {
            s.failed += units;
            s.last_error = answer.error;
            s.unreachable = !answered;
            for (size_t k = i + 1; k < plan.requests.size(); ++k) {
                s.unsent += plan.har ? 1 : plan.requests[k].events;
            }
            if (!s.unreachable) {
                report(req.where + ": not delivered: " + answer_text(answer) + tries +
                       "; stopping, " + options.target + " no longer answers (" +
                       std::to_string(s.unsent) + (plan.har ? " request" : " event") +
                       (s.unsent == 1 ? "" : "s") + " not sent)");
            }
            done += units;
            break;
        } else if (replay_retryable(answer.status)) {
            s.failed += units;
            report(req.where + ": not delivered: " + answer_text(answer) + tries);
        } else {
            s.refused += units;
            report(req.where + ": refused: " + answer_text(answer));
        }
        done += units;
        if (progress) {
            progress(done, s.units);
        }
    }
    return s;
}

} // namespace rm
