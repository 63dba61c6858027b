// The browser SDK's request headers, read back from the journal's header JSON.
#include "protocol/browser_headers.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace rm;
using nlohmann::json;

TEST_CASE("AnonymousId is base64-decoded - SentAt and retry headers are kept",
          "[browser_headers]") {
    // base64("anon-ü 1") as the SDK's toBase64 sends it (UTF-8 bytes, padded).
    const std::string headers =
        R"({"AnonymousId":"YW5vbi3DvCAx","SentAt":"2026-08-01T10:00:00.000Z",)"
        R"("Rsa-Retry-Attempt":"1","Rsa-Since-Last-Attempt":"1012",)"
        R"("Rsa-Since-First-Attempt":"1012","Rsa-Retry-Reason":"server-503",)"
        R"("Content-Type":"application/json;charset=UTF-8"})";
    BrowserHeaders h = read_browser_headers(headers);
    CHECK(h.anonymous_id == std::optional<std::string>("anon-\xc3\xbc 1"));
    CHECK_FALSE(h.anonymous_id_raw);
    CHECK(h.sent_at == std::optional<std::string>("2026-08-01T10:00:00.000Z"));
    CHECK(h.retry_attempt == std::optional<std::string>("1"));
    CHECK(h.retry_reason == std::optional<std::string>("server-503"));
    CHECK_FALSE(h.recovered);
    json out = json::parse(browser_headers_json(h));
    CHECK(out == json::parse(R"({"anonymous_id_header":"anon-ü 1",)"
                             R"("sent_at":"2026-08-01T10:00:00.000Z","retry_attempt":1,)"
                             R"("since_last_attempt_ms":1012,"since_first_attempt_ms":1012,)"
                             R"("retry_reason":"server-503"})"));
}

TEST_CASE("header names match without case - repeats take the first value", "[browser_headers]") {
    BrowserHeaders h = read_browser_headers(
        R"({"anonymousid":"YTE=","sentat":["t1","t2"],"RSA-RECOVERED":"true"})");
    CHECK(h.anonymous_id == std::optional<std::string>("a1"));
    CHECK(h.sent_at == std::optional<std::string>("t1"));
    json out = json::parse(browser_headers_json(h));
    CHECK(out["recovered"] == true);
    CHECK_FALSE(out.contains("retry_attempt"));
}

TEST_CASE("what is not base64 or not a number is shown as sent", "[browser_headers]") {
    BrowserHeaders h =
        read_browser_headers(R"({"AnonymousId":"not base64!","Rsa-Retry-Attempt":"two"})");
    CHECK_FALSE(h.anonymous_id);
    CHECK(h.anonymous_id_raw == std::optional<std::string>("not base64!"));
    json out = json::parse(browser_headers_json(h));
    CHECK(out["anonymous_id_header_raw"] == "not base64!");
    CHECK(out["retry_attempt"] == "two");
}

TEST_CASE("requests without browser headers give null", "[browser_headers]") {
    CHECK(browser_headers_json(read_browser_headers(R"({"Authorization":"Basic d2s6"})")) ==
          "null");
    CHECK(browser_headers_json(read_browser_headers("not json")) == "null");
    CHECK(browser_headers_json(read_browser_headers("")) == "null");
    CHECK_FALSE(read_browser_headers("[1,2]").any());
}
