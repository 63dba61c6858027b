#include "util/clock.hpp"
#include "util/json_writer.hpp"

#include <catch2/catch.hpp>

using namespace rm;

TEST_CASE("server time is formatted like Go's RFC 3339 with milliseconds", "[util][clock]") {
    CHECK(format_rfc3339_ms(0) == "1970-01-01T00:00:00.000Z");
    CHECK(format_rfc3339_ms(1767323045678) == "2026-01-02T03:04:05.678Z");
    CHECK(format_http_date(1767323045678) == "Fri, 02 Jan 2026 03:04:05 GMT");
}

TEST_CASE("the per-thread cache of the last second never returns a stale text", "[util][clock]") {
    // Same second, other milliseconds; the next second; back to an earlier one; before 1970.
    CHECK(format_rfc3339_ms(1767323045678) == "2026-01-02T03:04:05.678Z");
    CHECK(format_rfc3339_ms(1767323045001) == "2026-01-02T03:04:05.001Z");
    CHECK(format_rfc3339_ms(1767323045999) == "2026-01-02T03:04:05.999Z");
    CHECK(format_rfc3339_ms(1767323046000) == "2026-01-02T03:04:06.000Z");
    CHECK(format_rfc3339_ms(1767323045050) == "2026-01-02T03:04:05.050Z");
    CHECK(format_rfc3339_ms(-1) == "1969-12-31T23:59:59.999Z");
    CHECK(format_rfc3339_ms(0) == "1970-01-01T00:00:00.000Z");
    CHECK(format_http_date(1767323045678) == "Fri, 02 Jan 2026 03:04:05 GMT");
    CHECK(format_http_date(1767323045999) == "Fri, 02 Jan 2026 03:04:05 GMT");
    CHECK(format_http_date(1767323046000) == "Fri, 02 Jan 2026 03:04:06 GMT");
    CHECK(format_http_date(1767323045000) == "Fri, 02 Jan 2026 03:04:05 GMT");
}

TEST_CASE("ISO 8601 detection for lint", "[util][clock]") {
    CHECK(looks_like_iso8601("2026-01-02T03:04:05.678Z"));
    CHECK(looks_like_iso8601("2026-01-02T03:04:05+02:00"));
    CHECK(looks_like_iso8601("2026-01-02T03:04:05"));
    CHECK_FALSE(looks_like_iso8601("yesterday"));
    CHECK_FALSE(looks_like_iso8601("2026-01-02"));
    CHECK_FALSE(looks_like_iso8601("2026-01-02T03:04:05.Z"));
}

TEST_CASE("the JSON writer escapes and replaces invalid UTF-8", "[util][json]") {
    JsonWriter w;
    w.begin_object().key("a\"b").value("line\nnext\x01").key("n").value(int64_t{-5});
    w.key("bad").value(std::string_view("x\xff", 2)).key("raw").raw("[1,2]").end_object();
    CHECK(w.str() == "{\"a\\\"b\":\"line\\nnext\\u0001\",\"n\":-5,\"bad\":\"x\xEF\xBF\xBD\","
                     "\"raw\":[1,2]}");
}
