// The normaliser alone: which values become placeholders, their numbering, key order, and
// everything else kept as written.
#include "export/normalize.hpp"

#include <catch2/catch.hpp>

using rm::Normalizer;

namespace {
std::string norm(Normalizer& n, const std::string& text) {
    auto out = n.normalize(text);
    REQUIRE(out);
    return *out;
}
} // namespace

TEST_CASE("volatile fields become numbered placeholders - the same value the same one",
          "[export]") {
    Normalizer n;
    CHECK(
        norm(n, R"({"messageId":"m-a","rudderId":"r1","request_ip":"127.0.0.1"})") ==
        R"({"messageId":"<messageId-1>","request_ip":"<request_ip-1>","rudderId":"<rudderId-1>"})");
    // Kept across calls: a retry's messageId links to the first one.
    CHECK(norm(n, R"({"messageId":"m-b"})") == R"({"messageId":"<messageId-2>"})");
    CHECK(norm(n, R"({"messageId":"m-a"})") == R"({"messageId":"<messageId-1>"})");
    // The same value under another field has that field's own numbering.
    CHECK(norm(n, R"({"rudderId":"m-a"})") == R"({"rudderId":"<rudderId-2>"})");
    // The same value written with an escape is the same value.
    CHECK(norm(n, R"({"messageId":"m-\u0061"})") == R"({"messageId":"<messageId-1>"})");
    // Only strings: other values are kept.
    CHECK(norm(n, R"({"messageId":12})") == R"({"messageId":12})");
}

TEST_CASE("anonymousId only when SDK-generated - timestamps only when ISO 8601", "[export]") {
    Normalizer n;
    CHECK(norm(n, R"({"anonymousId":"5F1C6B8E-1f0a-4c1e-9d2a-3b4c5d6e7f80"})") ==
          R"({"anonymousId":"<anonymousId-1>"})");
    CHECK(norm(n, R"({"anonymousId":"anon-1"})") == R"({"anonymousId":"anon-1"})");
    CHECK(norm(n, R"({"sentAt":"2026-11-26T10:00:00.100Z","originalTimestamp":)"
                  R"("2026-11-26T10:00:00+01:00","timestamp":"2026-11-26 10:00:00",)"
                  R"("receivedAt":"2026-11-26T10:00:00.1Z"})") ==
          R"({"originalTimestamp":"<timestamp>","receivedAt":"<timestamp>",)"
          R"("sentAt":"<timestamp>","timestamp":"<timestamp>"})");
    // A malformed timestamp is not hidden.
    CHECK(norm(n, R"({"timestamp":"yesterday","sentAt":1700000000})") ==
          R"({"sentAt":1700000000,"timestamp":"yesterday"})");
    CHECK(Normalizer::looks_like_uuid("5f1c6b8e-1f0a-4c1e-9d2a-3b4c5d6e7f80"));
    CHECK_FALSE(Normalizer::looks_like_uuid("5f1c6b8e-1f0a-4c1e-9d2a-3b4c5d6e7f8"));
    CHECK_FALSE(Normalizer::looks_like_uuid("5f1c6b8e-1f0a-4c1e-9d2a-3b4c5d6e7fxx"));
}

TEST_CASE("fields are matched at any depth - library.version only under context", "[export]") {
    Normalizer n;
    std::string body = R"({"sentAt":"2026-11-26T10:00:00.100Z","batch":[
        {"messageId":"x1","context":{"library":{"name":"sdk","version":"1.0.0"},
         "traits":{"anonymousId":"5f1c6b8e-1f0a-4c1e-9d2a-3b4c5d6e7f80"}},
         "properties":{"version":"2","library":{"version":"3"}},"_metadata":{"a":[1,2]}},
        {"messageId":"x2","context":{"library":{"version":"1.0.0"}}}]})";
    CHECK(
        norm(n, body) ==
        R"({"batch":[{"_metadata":"<_metadata>","context":{"library":{"name":"sdk",)"
        R"("version":"<library.version-1>"},"traits":{"anonymousId":"<anonymousId-1>"}},)"
        R"("messageId":"<messageId-1>","properties":{"library":{"version":"3"},"version":"2"}},)"
        R"({"context":{"library":{"version":"<library.version-1>"}},"messageId":"<messageId-2>"}],)"
        R"("sentAt":"<timestamp>"})");
}

TEST_CASE("keys are sorted at every depth - values are kept byte for byte", "[export]") {
    Normalizer n;
    CHECK(
        norm(
            n,
            R"( { "b" : 1.50 , "a" : { "z" : -0 , "y" : 1E+3 } , "c" : [ {"k2":true,"k1":null} ] } )") ==
        R"({"a":{"y":1E+3,"z":-0},"b":1.50,"c":[{"k1":null,"k2":true}]})");
    CHECK(norm(n, R"({"s":"caf\u00e9 \"q\" \/","t":"café"})") ==
          R"({"s":"caf\u00e9 \"q\" \/","t":"café"})");
    // Keys sort by their decoded bytes; repeated keys keep their order.
    CHECK(norm(n, R"({"b":1,"\u0061":2,"b":3})") == R"({"\u0061":2,"b":1,"b":3})");
    CHECK(norm(n, "[]") == "[]");
    CHECK(norm(n, R"("text")") == R"("text")");
}

TEST_CASE("invalid JSON is an error and leaves the output alone", "[export]") {
    Normalizer n;
    CHECK_FALSE(n.normalize("{\"a\":"));
    CHECK_FALSE(n.normalize(""));
    std::string out = "kept";
    CHECK_FALSE(n.normalize_into("nope", out));
    CHECK(out == "kept");
    CHECK(n.placeholder(Normalizer::Kind::anonymous_id, "x") == "<anonymousId-1>");
    CHECK(n.placeholder(Normalizer::Kind::anonymous_id, "x") == "<anonymousId-1>");
    CHECK(n.placeholder(Normalizer::Kind::anonymous_id, "y") == "<anonymousId-2>");
}
