#include "app/config.hpp"

#include "forward/forwarder.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace rm {

namespace {
// "90s", "30m", "12h", "7d", "1h30m": at least a second, at most ten years.
std::optional<int64_t> parse_duration_ms(const std::string& text) {
    int64_t total = 0;
    size_t i = 0;
    while (i < text.size()) {
        int64_t n = 0;
        const size_t digits = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && n < 1000000000) {
            n = n * 10 + (text[i++] - '0');
        }
        if (i == digits || i == text.size()) {
            return std::nullopt; // no number, or no unit
        }
        const char unit = text[i++];
        const int64_t ms = unit == 's'   ? 1000
                           : unit == 'm' ? 60 * 1000
                           : unit == 'h' ? 3600 * 1000
                           : unit == 'd' ? 86400 * 1000
                                         : 0;
        if (ms == 0) {
            return std::nullopt;
        }
        total += n * ms;
        if (total > int64_t{3650} * 86400 * 1000) {
            return std::nullopt;
        }
    }
    if (total < 1000) {
        return std::nullopt;
    }
    return total;
}

Result<int64_t> parse_int(const std::string& flag, const std::string& text, int64_t min,
                          int64_t max) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size() || v < min || v > max) {
        return make_error(flag + " needs an integer from " + std::to_string(min) + " to " +
                          std::to_string(max) + ", got '" + text + "'");
    }
    return v;
}

// An HTTP token (RFC 9110 field-name): letters, digits and !#$%&'*+-.^_`|~.
bool valid_header_name(const std::string& name) {
    static const std::string k_marks = "!#$%&'*+-.^_`|~";
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || k_marks.find(ch) != k_marks.npos;
    });
}

bool iequals(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// 127.0.0.0/8, ::1 and localhost: only this machine can connect.
bool is_loopback(const std::string& bind) {
    if (iequals(bind, "localhost") || bind == "::1" || bind == "[::1]") {
        return true;
    }
    if (bind.rfind("127.", 0) != 0) {
        return false;
    }
    int dots = 0;
    for (char ch : bind) {
        if (ch == '.') {
            ++dots;
        } else if (!std::isdigit(static_cast<unsigned char>(ch))) {
            return false;
        }
    }
    return dots == 3;
}
} // namespace

std::string open_admin_warning(const Config& config) {
    if (!config.admin_token.empty() || is_loopback(config.bind)) {
        return "";
    }
    return "warning: --bind " + config.bind +
           " without --admin-token: the admin API (/_mock/: events, reset, export, faults) is "
           "open to anyone on the network; set --admin-token TOKEN";
}

std::string version_text() {
    return "ruddermock 0.1.0";
}

std::string usage_text() {
    return R"(ruddermock - a local mock of the RudderStack HTTP Tracking API

Usage: ruddermock [--headless] [options]
       ruddermock --open FILE.db      browse a captured database read-only (no server)

Point a RudderStack or Segment SDK at http://127.0.0.1:8080 (the data plane URL).
Every request and event is kept in SQLite and can be queried under /_mock/.

Options:
  --headless              run without the inspector window (tests, CI); without a display
                          ruddermock runs headless anyway and says so
  --open FILE.db          open a database captured elsewhere in the window, read-only
  --screenshot PNG        once the window has loaded (and selected an event), save it as a
                          PNG and close (with --select ID: that event; else the newest)
  --frame-stats           at exit, print the frames the window drew and the UI thread's
                          CPU time per frame (mean, p99, max)
  --port N                port to listen on (default 8080; 0 picks a free port)
  --port-file PATH        write the port there once listening
  --bind ADDR             address to listen on (default 127.0.0.1)
  --threads N             HTTP worker threads kept ready when idle (default 8); more
                          start on demand, one per open connection
  --max-connections N     connections served at once (default 1024); beyond, a new one
                          is closed at once (a 503 line), counted in /_mock/stats, logged.
                          A request's head must arrive within 10 s and its body within
                          60 s, whatever the pace of the client, or it is cut off
  --db PATH               SQLite database (default ./ruddermock.db; :memory: = throwaway)
  --sources FILE          workspace config {"sources":[...]}; without it any non-empty
                          write key is an enabled event-stream source
  --profile NAME          response wording: rudder (default), rudder-legacy, openapi
  --max-request-kb N      request size limit after gzip decoding (default 4000)
  --rate-limit E/S        allow E events per S seconds per workspace (default: off)
  --rate-limit-by WHO     count the rate limit per workspace (default) or per write-key
  --retry-after           rate-limit 429s carry a Retry-After header
  --max-events N          keep only the newest N events (default: keep all)
  --max-db-mb N           trim the oldest requests and events to keep the database file
                          near N MB (at least 8; its -wal file, up to ~24 MB, comes on top)
  --retention DURATION    trim requests and events older than DURATION: 90s, 30m, 12h, 7d
                          or combined (1h30m); default: keep
  --fsync                 also survive power loss, not only a crash of ruddermock (slower)
  --max-in-flight N       answer 503 beyond N gateway requests at once (default: no limit)
  --retl-require-destination-id
                          refuse /internal/v1/retl without X-Rudder-Destination-Id (400)
  --admin-token TOKEN     require "Authorization: Bearer TOKEN" on /_mock/*; without it,
                          --bind to a non-loopback address warns that /_mock/ is open
  --redact NAME           journal this request header's value as <redacted> (repeatable,
                          any case; default: headers are kept as sent). Exports and
                          --forward use the journal, so they see <redacted> too
  --forward URL           also relay every accepted request, in order, to the data plane
                          at URL (http:// only), from a queue kept in the database
  --forward-queue N       requests waiting for --forward at most (default 10000); beyond,
                          the oldest waiting ones are dropped and counted in /_mock/stats
  --log-level LEVEL       debug, info (default), warn, error, off
  --help                  show this text
  --version               show the version

Faults (off by default):
  --faults FILE           load a fault plan {"seed":N,"rules":[...]} (see fixtures/faults/)
  --fail SPEC             fail matching requests, SPEC = WHAT[:/ROUTE][:OPTION=VALUE...];
                          WHAT is a status 400-599 or reset, close, hang, truncate; options:
                          first=N every=N after=N nth=A,B probability=P times=N
                          retry-after=S key=WRITE_KEY type=T min-events=N delay=MS|MIN-MAX
  --delay MS|MIN-MAX      delay every request (a range is drawn uniformly)
  --fail and --delay repeat; examples:
    --fail 401                       every request answers 401
    --fail 404:/v1/batch             only /v1/batch answers 404
    --fail 413:first=3               the first 3 requests answer 413
    --fail 429:every=5:retry-after=2 every 5th request answers 429 with Retry-After: 2
    --fail 503:probability=0.1       10% of requests answer 503
    --fail reset:first=1             reset the connection of the first request
    --delay 200-800                  wait 200 to 800 ms before answering

Commands:
  export   write captured events as NDJSON/JSON/HAR/curl (ruddermock export --help)
  verify   compare captured events with a fixture (ruddermock verify --help)
  replay   send exported events or a HAR file to a data plane (ruddermock replay --help)

Exit codes: 0 after SIGINT/SIGTERM, 2 for a bad flag, a busy port or an unreadable file.
)";
}

Result<Config> parse_args(const std::vector<std::string>& args) {
    Config c;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string flag = args[i];
        std::string value;
        bool has_inline = false;
        if (size_t eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = flag.substr(eq + 1);
            flag = flag.substr(0, eq);
            has_inline = true;
        }
        auto need_value = [&]() -> Result<std::string> {
            if (has_inline) {
                return value;
            }
            if (i + 1 >= args.size()) {
                return make_error(flag + " needs a value");
            }
            return args[++i];
        };
        if (flag == "--help" || flag == "-h") {
            c.show_help = true;
            continue;
        }
        if (flag == "--version") {
            c.show_version = true;
            continue;
        }
        if (flag == "--headless") {
            c.headless = true;
            continue;
        }
        if (flag == "--frame-stats") {
            c.frame_stats = true;
            continue;
        }
        if (flag == "--fsync") {
            c.fsync = true;
            continue;
        }
        if (flag == "--retl-require-destination-id") {
            c.retl_require_destination_id = true;
            continue;
        }
        if (flag == "--retry-after") {
            c.rate_limit_retry_after = true;
            continue;
        }
        static const char* const k_value_flags[] = {
            "--port",        "--port-file",  "--bind",          "--threads",
            "--db",          "--sources",    "--profile",       "--max-request-kb",
            "--rate-limit",  "--max-events", "--max-db-mb",     "--retention",
            "--admin-token", "--log-level",  "--max-in-flight", "--faults",
            "--fail",        "--delay",      "--rate-limit-by", "--max-connections"};
        bool known = flag == "--forward" || flag == "--forward-queue";
        known = known || flag == "--redact";
        known = known || flag == "--open" || flag == "--screenshot" || flag == "--select";
        for (const char* f : k_value_flags) {
            known = known || flag == f;
        }
        if (!known) {
            return make_error("unknown option '" + args[i] + "' (see --help)");
        }
        auto v = need_value();
        if (!v) {
            return v.error();
        }
        const std::string& text = *v;
        if (flag == "--open") {
            c.open_db = text;
        } else if (flag == "--screenshot") {
            c.screenshot = text;
        } else if (flag == "--select") {
            auto n = parse_int(flag, text, 1, INT64_MAX);
            if (!n) {
                return n.error();
            }
            c.select_event = *n;
        } else if (flag == "--port") {
            auto n = parse_int(flag, text, 0, 65535);
            if (!n) {
                return n.error();
            }
            c.port = static_cast<int>(*n);
        } else if (flag == "--port-file") {
            c.port_file = text;
        } else if (flag == "--bind") {
            c.bind = text;
        } else if (flag == "--threads") {
            auto n = parse_int(flag, text, 1, 4096);
            if (!n) {
                return n.error();
            }
            c.threads = static_cast<int>(*n);
        } else if (flag == "--max-connections") {
            auto n = parse_int(flag, text, 1, 1000000);
            if (!n) {
                return n.error();
            }
            c.max_connections = static_cast<int>(*n);
        } else if (flag == "--db") {
            c.db = text;
        } else if (flag == "--sources") {
            c.sources_file = text;
        } else if (flag == "--profile") {
            auto p = parse_profile(text);
            if (!p) {
                return make_error("--profile must be rudder, rudder-legacy or openapi, got '" +
                                  text + "'");
            }
            c.profile = *p;
        } else if (flag == "--max-request-kb") {
            auto n = parse_int(flag, text, 1, 1024 * 1024);
            if (!n) {
                return n.error();
            }
            c.max_request_kb = *n;
        } else if (flag == "--rate-limit") {
            auto r = parse_rate_limit(text);
            if (!r) {
                return make_error("--rate-limit needs EVENTS/SECONDS, e.g. 1000/60, got '" + text +
                                  "'");
            }
            c.rate_limit = *r;
        } else if (flag == "--max-events") {
            auto n = parse_int(flag, text, 1, INT64_MAX);
            if (!n) {
                return n.error();
            }
            c.max_events = *n;
        } else if (flag == "--max-db-mb") {
            auto n = parse_int(flag, text, 8, INT64_MAX / (1024 * 1024));
            if (!n) {
                return n.error();
            }
            c.max_db_mb = *n;
        } else if (flag == "--retention") {
            auto ms = parse_duration_ms(text);
            if (!ms) {
                return make_error("--retention needs a duration like 90s, 30m, 12h, 7d or 1h30m, "
                                  "got '" +
                                  text + "'");
            }
            c.retention_ms = *ms;
        } else if (flag == "--max-in-flight") {
            auto n = parse_int(flag, text, 0, 1000000);
            if (!n) {
                return n.error();
            }
            c.max_in_flight = static_cast<int>(*n);
        } else if (flag == "--admin-token") {
            c.admin_token = text;
        } else if (flag == "--redact") {
            if (!valid_header_name(text)) {
                return make_error("--redact needs a header name, got '" + text + "'");
            }
            c.redact_headers.push_back(text);
        } else if (flag == "--log-level") {
            if (!log::parse_level(text, c.log_level)) {
                return make_error("--log-level must be debug, info, warn, error or off");
            }
        } else if (flag == "--faults") {
            c.faults_file = text;
        } else if (flag == "--fail" || flag == "--delay") {
            auto rule = flag == "--fail" ? parse_fail_flag(text) : parse_delay_flag(text);
            if (!rule) {
                return rule.error();
            }
            // Rule ids come from the spec text and must stay unique within the plan.
            for (const FaultRule& r : c.fault_rules) {
                if (r.id == rule->id) {
                    return make_error(flag + " '" + text + "' is given twice");
                }
            }
            c.fault_rules.push_back(std::move(*rule));
        } else if (flag == "--forward") {
            if (auto target = parse_forward_url(text); !target) {
                return target.error();
            }
            c.forward_url = text;
        } else if (flag == "--forward-queue") {
            auto n = parse_int(flag, text, 1, 100000000);
            if (!n) {
                return n.error();
            }
            c.forward_queue = *n;
        } else if (flag == "--rate-limit-by") {
            if (text != "workspace" && text != "write-key") {
                return make_error("--rate-limit-by must be workspace or write-key, got '" + text +
                                  "'");
            }
            c.rate_limit_by_write_key = text == "write-key";
        } else {
            return make_error("unknown option '" + args[i] + "' (see --help)");
        }
    }
    for (const std::string& name : c.redact_headers) {
        if (!c.forward_url.empty() && iequals(name, "Authorization")) {
            // The forwarder relays the journaled headers: the upstream would get <redacted>.
            return make_error("--redact Authorization cannot go with --forward (the data plane "
                              "would get the write key as <redacted>)");
        }
    }
    return c;
}

} // namespace rm
