// Command-line configuration of ruddermock.
#pragma once

#include "faults/fault_plan.hpp"
#include "protocol/rate_limit.hpp"
#include "protocol/reason.hpp"
#include "util/log.hpp"
#include "util/result.hpp"

#include <optional>
#include <string>
#include <vector>

namespace rm {

struct Config {
    bool headless = false;
    std::string open_db;      // --open FILE.db: the window on a database, read-only, no server
    std::string screenshot;   // --screenshot PNG: save the window once loaded, then close
    int64_t select_event = 0; // --select ID: the event the screenshot selects
    bool frame_stats = false; // --frame-stats: print the window's frame CPU times at exit
    bool show_help = false;
    bool show_version = false;
    std::string bind = "127.0.0.1";
    int port = 8080;
    std::string port_file;
    int threads = 8;                  // HTTP workers kept when idle; more start on demand
    int max_connections = 1024;       // --max-connections N: served at once, more refused
    int64_t head_deadline_ms = 10000; // a request's head must be in by then (tests shorten it)
    int64_t body_deadline_ms = 60000; // its body within this of starting to read it
    std::string db = "ruddermock.db";
    std::string sources_file;
    Profile profile = Profile::rudder;
    int64_t max_request_kb = 4000;
    std::optional<RateLimitConfig> rate_limit;
    int64_t max_events = 0;
    int64_t max_db_mb = 0;    // --max-db-mb, 0 = no limit
    int64_t retention_ms = 0; // --retention, 0 = keep
    bool fsync = false;
    int max_in_flight = 0;
    bool retl_require_destination_id = false;
    std::string admin_token;
    std::vector<std::string> redact_headers; // --redact NAME: journaled as "<redacted>"
    log::Level log_level = log::Level::info;
    std::string faults_file;              // --faults FILE: a fault plan loaded at start
    std::vector<FaultRule> fault_rules;   // from --fail / --delay, in flag order
    bool rate_limit_by_write_key = false; // --rate-limit-by write-key (default workspace)
    bool rate_limit_retry_after = false;  // --retry-after: rate-limit 429s carry Retry-After
    std::string forward_url;              // --forward URL: tee mode (forward/forwarder.hpp)
    int64_t forward_queue = 10000;        // --forward-queue N: pending requests at most
};

// Parses argv (without argv[0]). A bad flag or value is an error with a clear message.
Result<Config> parse_args(const std::vector<std::string>& args);
std::string usage_text();
// The start-up warning for --bind on a non-loopback address without --admin-token (the
// admin API, reset and export included, is then open to the network); "" when none.
std::string open_admin_warning(const Config& config);
std::string version_text();

} // namespace rm
