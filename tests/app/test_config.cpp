#include "app/config.hpp"

#include <catch2/catch.hpp>

using namespace rm;

TEST_CASE("defaults match the documentation", "[config]") {
    auto c = parse_args({});
    REQUIRE(c.ok());
    CHECK(c->port == 8080);
    CHECK(c->bind == "127.0.0.1");
    CHECK(c->threads == 64);
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
