#include "protocol/rate_limit.hpp"

#include <catch2/catch.hpp>

using namespace rm;

TEST_CASE("rate limit flag parsing", "[rate]") {
    auto r = parse_rate_limit("1000/60");
    REQUIRE(r);
    CHECK(r->events == 1000);
    CHECK(r->window_ms == 60000);
    CHECK_FALSE(parse_rate_limit("1000"));
    CHECK_FALSE(parse_rate_limit("0/60"));
    CHECK_FALSE(parse_rate_limit("10/0"));
    CHECK_FALSE(parse_rate_limit("10/6x"));
}

TEST_CASE("GCRA allows a burst of the limit - then refills over the window", "[rate]") {
    RateLimiter limiter({10, 10000}); // 10 events per 10 s: one per second
    int64_t t = 1000000;
    CHECK(limiter.allow("ws", 10, t));      // the whole burst at once
    CHECK_FALSE(limiter.allow("ws", 1, t)); // nothing left
    CHECK(limiter.allow("other", 1, t));    // workspaces are separate
    CHECK_FALSE(limiter.allow("ws", 1, t + 500));
    CHECK(limiter.allow("ws", 1, t + 1000)); // one event's worth has refilled
    CHECK_FALSE(limiter.allow("ws", 2, t + 2000));
    CHECK_FALSE(limiter.allow("big", 11, t)); // a request costing more than the limit never fits
}
