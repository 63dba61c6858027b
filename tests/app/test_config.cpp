#include "app/config.hpp"

#include <catch2/catch.hpp>

using namespace rm;

TEST_CASE("defaults match the documentation", "[config]") {
    auto c = parse_args({});
    REQUIRE(c.ok());
    CHECK(c->port == 8080);
    CHECK(c->bind == "127.0.0.1");
    CHECK(c->threads == 8);
    CHECK(c->max_connections == 1024);
    CHECK(c->head_deadline_ms == 10000);
    CHECK(c->body_deadline_ms == 60000);
    CHECK(c->db == "ruddermock.db");
    CHECK(c->profile == Profile::rudder);
    CHECK(c->max_request_kb == 4000);
    CHECK_FALSE(c->rate_limit.has_value());
    CHECK(c->max_events == 0);
    CHECK_FALSE(c->fsync);
    CHECK_FALSE(c->retl_require_destination_id);
}

TEST_CASE("flags take values separately or with =", "[config]") {
    auto c = parse_args({"--headless",      "--port",      "0",
                         "--db=:memory:",   "--profile",   "openapi",
                         "--rate-limit",    "10/1",        "--max-events=5",
                         "--admin-token",   "t",           "--log-level",
                         "debug",           "--port-file", "/tmp/p",
                         "--threads",       "4",           "--fsync",
                         "--max-in-flight", "8",           "--retl-require-destination-id"});
    REQUIRE(c.ok());
    CHECK(c->headless);
    CHECK(c->port == 0);
    CHECK(c->db == ":memory:");
    CHECK(c->profile == Profile::openapi);
    CHECK(c->rate_limit->events == 10);
    CHECK(c->max_events == 5);
    CHECK(c->admin_token == "t");
    CHECK(c->log_level == log::Level::debug);
    CHECK(c->threads == 4);
    CHECK(c->fsync);
    CHECK(c->max_in_flight == 8);
    CHECK(c->retl_require_destination_id);
}

TEST_CASE("bad flags are clear errors", "[config]") {
    CHECK(parse_args({"--nope"}).error().message.find("unknown option '--nope'") !=
          std::string::npos);
    CHECK(parse_args({"--port"}).error().message == "--port needs a value");
    CHECK(parse_args({"--port", "70000"}).error().message.find("0 to 65535") != std::string::npos);
    CHECK_FALSE(parse_args({"--profile", "segment"}).ok());
    CHECK_FALSE(parse_args({"--rate-limit", "fast"}).ok());
    CHECK_FALSE(parse_args({"--log-level", "loud"}).ok());
    CHECK(parse_args({"--help"})->show_help);
    CHECK(usage_text().find("--max-request-kb") != std::string::npos);
}

TEST_CASE("fault flags build rules in flag order", "[config]") {
    auto c = parse_args({"--faults", "plan.json", "--fail", "429:every=5:retry-after=2",
                         "--delay=200-800", "--fail", "reset:first=1", "--rate-limit-by",
                         "write-key", "--retry-after"});
    REQUIRE(c.ok());
    CHECK(c->faults_file == "plan.json");
    REQUIRE(c->fault_rules.size() == 3);
    CHECK(c->fault_rules[0].id == "fail 429:every=5:retry-after=2");
    CHECK(c->fault_rules[0].trigger.every == 5);
    CHECK(c->fault_rules[1].id == "delay 200-800");
    CHECK(c->fault_rules[1].effect.delay_max_ms == 800);
    CHECK(c->fault_rules[2].effect.connection == ConnectionFault::reset);
    CHECK(c->rate_limit_by_write_key);
    CHECK(c->rate_limit_retry_after);

    auto d = parse_args({"--rate-limit-by", "workspace"});
    REQUIRE(d.ok());
    CHECK_FALSE(d->rate_limit_by_write_key);
    CHECK_FALSE(d->rate_limit_retry_after);
    CHECK(d->fault_rules.empty());
    CHECK(d->faults_file.empty());
}

TEST_CASE("bad fault flags are clear errors", "[config]") {
    CHECK(parse_args({"--fail", "700"}).error().message ==
          "--fail '700': expected a status from 400 to 599 or reset, close, hang, truncate");
    CHECK(parse_args({"--fail", "429:evry=5"}).error().message.find("unknown option 'evry'") !=
          std::string::npos);
    CHECK(parse_args({"--delay", "x"}).error().message ==
          "--delay 'x': expected MS or MIN-MAX milliseconds, e.g. 200-800");
    CHECK(parse_args({"--fail", "401", "--fail", "401"}).error().message ==
          "--fail '401' is given twice");
    CHECK(parse_args({"--fail"}).error().message == "--fail needs a value");
    CHECK(parse_args({"--faults"}).error().message == "--faults needs a value");
    CHECK(parse_args({"--rate-limit-by", "ip"}).error().message ==
          "--rate-limit-by must be workspace or write-key, got 'ip'");
    CHECK(usage_text().find("Faults (off by default):") != std::string::npos);
    CHECK(usage_text().find("--fail 429:every=5:retry-after=2") != std::string::npos);
}

TEST_CASE("the connection cap is set with --max-connections", "[config]") {
    auto c = parse_args({"--max-connections", "3"});
    REQUIRE(c.ok());
    CHECK(c->max_connections == 3);
    CHECK(parse_args({"--max-connections=2000"})->max_connections == 2000);
    CHECK_FALSE(parse_args({"--max-connections", "0"}).ok());
    CHECK_FALSE(parse_args({"--max-connections", "many"}).ok());
    CHECK_FALSE(parse_args({"--max-connections"}).ok());
    CHECK(usage_text().find("--max-connections N") != std::string::npos);
}

TEST_CASE("redact flag names headers to hide in the journal - repeatable, off by default",
          "[config][redact]") {
    CHECK(parse_args({})->redact_headers.empty());
    auto c = parse_args({"--redact", "Authorization", "--redact=cookie"});
    REQUIRE(c.ok());
    CHECK(c->redact_headers == std::vector<std::string>{"Authorization", "cookie"});
    CHECK_FALSE(parse_args({"--redact"}).ok());
    CHECK_FALSE(parse_args({"--redact", ""}).ok());
    CHECK_FALSE(parse_args({"--redact", "Bad Name"}).ok());
    // The forwarder relays the journaled headers: a redacted write key would break it.
    auto fw = parse_args({"--forward", "http://127.0.0.1:9", "--redact", "AUTHORIZATION"});
    REQUIRE_FALSE(fw.ok());
    CHECK(fw.error().message.find("--forward") != std::string::npos);
    CHECK(parse_args({"--forward", "http://127.0.0.1:9", "--redact", "Cookie"}).ok());
    CHECK(usage_text().find("--redact NAME") != std::string::npos);
}

TEST_CASE("bind off loopback without --admin-token warns that /_mock/ is open", "[config][bind]") {
    auto warning = [](std::vector<std::string> args) {
        return open_admin_warning(*parse_args(args));
    };
    CHECK(warning({}).empty()); // 127.0.0.1
    CHECK(warning({"--bind", "127.0.0.2"}).empty());
    CHECK(warning({"--bind", "localhost"}).empty());
    CHECK(warning({"--bind", "::1"}).empty());
    CHECK(warning({"--bind", "0.0.0.0", "--admin-token", "t"}).empty());
    const std::string open = warning({"--bind", "0.0.0.0"});
    CHECK(open.find("admin API") != std::string::npos);
    CHECK(open.find("reset") != std::string::npos);
    CHECK(open.find("export") != std::string::npos);
    CHECK(open.find("--admin-token") != std::string::npos);
    CHECK_FALSE(warning({"--bind", "::"}).empty());
    CHECK_FALSE(warning({"--bind", "192.168.1.20"}).empty());
    CHECK_FALSE(warning({"--bind", "127.example.com"}).empty());
}

TEST_CASE("storage bounds take sizes and durations - bad ones are clear errors", "[config]") {
    auto c = rm::parse_args({"--max-db-mb", "64", "--retention", "1h30m"});
    REQUIRE(c.ok());
    CHECK(c->max_db_mb == 64);
    CHECK(c->retention_ms == 90 * 60 * 1000);
    CHECK(rm::parse_args({"--retention=7d"})->retention_ms == 7LL * 86400 * 1000);
    CHECK(rm::parse_args({"--retention", "90s"})->retention_ms == 90000);
    CHECK(rm::parse_args({})->max_db_mb == 0);
    CHECK(rm::parse_args({})->retention_ms == 0);
    for (const char* bad : {"7", "d", "0s", "5x", "1h30", "-1h", "99999999999d"}) {
        auto r = rm::parse_args({"--retention", bad});
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message, Catch::Contains("--retention needs a duration"));
    }
    CHECK_FALSE(rm::parse_args({"--max-db-mb", "4"}).ok()); // below the minimum of 8
}
