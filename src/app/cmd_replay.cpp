// `ruddermock replay`: sends exported events (NDJSON) or requests (HAR) to a data plane. The
// planning and the retry loop are export/replay.hpp's; this file is the command line, the
// HTTP client (cpp-httplib, one keep-alive connection), the progress bar on stderr when it is
// a terminal, and the report: each request not delivered as it happens, a summary at the end
// (stdout), usage errors and an unreachable target on stderr.
#include "app/flag_reader.hpp"
#include "app/progress_bar.hpp"
#include "export/replay.hpp"
#include "forward/forwarder.hpp"
#include "util/clock.hpp"

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <httplib.h>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace rm {

int cmd_replay(const std::vector<std::string>& args);

namespace {

constexpr const char* k_usage =
    R"(Usage: ruddermock replay FILE --to URL [--write-key WK] [--batch N] [--rate N/s]
                         [--attempts N]

Sends the events of FILE (`ruddermock export --format ndjson`, normalised or not) or the
requests of a HAR file (`export --format har`) to the data plane at URL: another ruddermock
or a rudder-server.

  FILE             NDJSON events, one per line (or a JSON array of them), or a .har file
  --to URL         the data plane, http://HOST[:PORT][/PATH]
  --write-key WK   the write key sent (Basic auth); required for NDJSON; in HAR it
                   replaces each entry's own (without it, each entry keeps its own)
  --batch N        NDJSON: POST /v1/batch with up to N events each (default: one
                   POST /v1/{type} per event)
  --rate N/s       at most N requests per second (retries included), e.g. 50/s or 0.5/s
  --attempts N     tries per request before giving up on it (default 8)
  --help           this text

No answer, 429 and 5xx are retried after 100 ms, doubling up to 5 s, or after the
Retry-After of the answer; any other answer is final. Each request not delivered is printed
with its line numbers (HAR: its entry number). When a request still gets no answer after its
attempts, the replay stops there.

NDJSON events are sent without rudderId, receivedAt and request_ip (the data plane sets them
on arrival), and the placeholders of a normalised export get real values: one new UUID per
<messageId-N>, <anonymousId-N> and <rudderId-N>, the current time for <timestamp>.

Exit codes: 0 all delivered, 1 some refused or not delivered, 2 bad flags, an unreadable or
invalid FILE (the line is named), a --to that never answered.
)";

struct Args {
    std::string file;
    std::string to;
    std::optional<std::string> write_key;
    size_t batch = 0;
    double rate = 0;
    int attempts = 8;
    bool help = false;
};

Result<double> parse_rate(const std::string& text) {
    std::string_view v = text;
    if (v.size() > 2 && v.substr(v.size() - 2) == "/s") {
        v.remove_suffix(2);
    }
    double rate = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), rate);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size() || !(rate > 0) || rate > 1e6) {
        return make_error("--rate takes requests per second, e.g. 50/s or 0.5/s (got '" + text +
                          "')");
    }
    return rate;
}

Result<int64_t> parse_count(const std::string& flag, const std::string& text, int64_t max) {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || p != text.data() + text.size() || n < 1 || n > max) {
        return make_error(flag + " takes a number from 1 to " + std::to_string(max) + " (got '" +
                          text + "')");
    }
    return n;
}

Result<Args> parse_args(const std::vector<std::string>& args) {
    Args out;
    for (FlagReader r(args); r.next();) {
        const std::string& flag = r.flag();
        auto value = [&] { return r.value(); };
        if (flag == "--help" || flag == "-h") {
            out.help = true;
        } else if (flag == "--to" || flag == "--write-key" || flag == "--batch" ||
                   flag == "--rate" || flag == "--attempts") {
            auto v = value();
            if (!v) {
                return v.error();
            }
            if (flag == "--to") {
                out.to = *v;
            } else if (flag == "--write-key") {
                out.write_key = *v;
            } else if (flag == "--rate") {
                auto rate = parse_rate(*v);
                if (!rate) {
                    return rate.error();
                }
                out.rate = *rate;
            } else {
                auto n = parse_count(flag, *v, flag == "--batch" ? 10000 : 100);
                if (!n) {
                    return n.error();
                }
                if (flag == "--batch") {
                    out.batch = static_cast<size_t>(*n);
                } else {
                    out.attempts = static_cast<int>(*n);
                }
            }
        } else if (flag.size() > 1 && flag[0] == '-') {
            return make_error("unknown option '" + flag + "' (ruddermock replay --help)");
        } else if (!out.file.empty()) {
            return make_error("one FILE only (got '" + out.file + "' and '" + flag + "')");
        } else {
            out.file = flag;
        }
    }
    if (out.help) {
        return out;
    }
    if (out.file.empty()) {
        return make_error("missing FILE (NDJSON events or a HAR file)");
    }
    if (out.to.empty()) {
        return make_error("missing --to URL (the data plane)");
    }
    if (out.write_key && out.write_key->empty()) {
        return make_error("--write-key needs a non-empty write key");
    }
    return out;
}

int fail(const std::string& message) {
    std::cerr << "ruddermock replay: " << message << "\n";
    return 2;
}

std::string http_error_text(httplib::Error e) {
    switch (e) {
    case httplib::Error::Connection:
        return "no connection: refused, or no such host";
    case httplib::Error::ConnectionTimeout:
        return "the connection timed out";
    case httplib::Error::Read:
        return "the connection closed or timed out before the answer";
    case httplib::Error::Write:
        return "the connection closed while sending";
    default:
        return httplib::to_string(e);
    }
}

} // namespace

int cmd_replay(const std::vector<std::string>& argv) {
    auto args = parse_args(argv);
    if (!args) {
        return fail(args.error().message);
    }
    if (args->help) {
        std::cout << k_usage;
        return 0;
    }
    auto target = parse_forward_url(args->to);
    if (!target) {
        std::string message = target.error().message;
        if (size_t at = message.find("--forward"); at != std::string::npos) {
            message.replace(at, 9, "--to");
        }
        return fail(message);
    }
    std::ifstream in(args->file, std::ios::binary);
    if (!in) {
        return fail("cannot read " + args->file + ": " + std::strerror(errno));
    }
    std::stringstream content;
    content << in.rdbuf();
    const std::string text = content.str();

    ReplayPlanOptions plan_options;
    plan_options.write_key = args->write_key.value_or("");
    plan_options.batch = args->batch;
    plan_options.base_path = target->base_path;
    plan_options.now_ms = now_ms();
    const ReplayInput input = detect_replay_input(args->file, text);
    if (input == ReplayInput::ndjson && !args->write_key) {
        return fail("missing --write-key WK (NDJSON events carry no write key)");
    }
    auto plan = plan_replay(text, input, plan_options);
    if (!plan) {
        return fail(args->file + ": " + plan.error().message);
    }
    if (input == ReplayInput::har && args->batch != 0) {
        return fail("--batch is for NDJSON events; a HAR file is replayed request by request");
    }

    httplib::Client client(target->host, target->port);
    client.set_keep_alive(true);
    client.set_url_encode(false); // paths are sent as exported (already encoded)
    client.set_connection_timeout(std::chrono::seconds(5));
    client.set_read_timeout(std::chrono::seconds(30));
    client.set_write_timeout(std::chrono::seconds(30));
    ReplaySend send = [&](const ReplayRequest& r) {
        httplib::Request req;
        req.method = r.method;
        req.path = r.path;
        for (const auto& [name, value] : r.headers) {
            req.headers.emplace(name, value);
        }
        req.body = r.body;
        auto res = client.send(req);
        ReplayAnswer answer;
        if (!res) {
            answer.error = http_error_text(res.error());
            return answer;
        }
        answer.status = res->status;
        answer.body = res->body;
        if (res->has_header("Retry-After")) {
            answer.retry_after = parse_retry_after(res->get_header_value("Retry-After"));
        }
        return answer;
    };
    ReplaySleep sleep = [](std::chrono::microseconds d) { std::this_thread::sleep_for(d); };

    ReplayRunOptions run_options;
    run_options.retry.attempts = args->attempts;
    run_options.rate = args->rate;
    run_options.target = args->to;
    ProgressBar bar("replay", plan->har ? "requests" : "events");
    ReplayProgress progress;
    if (::isatty(STDERR_FILENO)) {
        progress = [&](int64_t done, int64_t total) { bar.update(done, total); };
    }
    ReplayReport report = [&](const std::string& line) {
        bar.clear();
        std::cout << line << std::endl;
    };
    ReplaySummary summary = run_replay(*plan, send, sleep, run_options, report, progress);
    bar.end();
    std::cout << summary.text(args->to) << std::endl;
    if (summary.unreachable) {
        fail("cannot reach " + args->to + ": " + summary.last_error + " (" +
             std::to_string(args->attempts) + (args->attempts == 1 ? " attempt)" : " attempts)"));
    }
    return summary.exit_code();
}

} // namespace rm
