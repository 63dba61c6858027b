#include "util/gzip.hpp"

#include <catch2/catch.hpp>

using namespace rm;

TEST_CASE("gunzip round trip - concatenated members - and bad input", "[body]") {
    std::string text = "{\"batch\":[]}";
    auto ok = gunzip_bounded(gzip_compress(text), 1000);
    CHECK(ok.status == DecodeStatus::ok);
    CHECK(ok.bytes == text);
    auto two = gunzip_bounded(gzip_compress("ab") + gzip_compress("cd"), 1000);
    CHECK(two.status == DecodeStatus::ok);
    CHECK(two.bytes == "abcd");
    CHECK(gunzip_bounded("not gzip at all", 1000).status == DecodeStatus::bad_gzip);
    std::string truncated = gzip_compress(std::string(1000, 'x'));
    truncated.resize(truncated.size() / 2);
    CHECK(gunzip_bounded(truncated, 100000).status == DecodeStatus::bad_gzip);
    CHECK(gunzip_bounded("", 1000).status == DecodeStatus::bad_gzip);
}

TEST_CASE("a gzip bomb is cut off at the cap", "[body]") {
    std::string bomb = gzip_compress(std::string(50 * 1024 * 1024, '0')); // ~50 KB compressed
    CHECK(bomb.size() < 200 * 1024);
    auto out = gunzip_bounded(bomb, 1024 * 1024);
    CHECK(out.status == DecodeStatus::over_cap);
    CHECK(out.bytes.size() == 1024 * 1024);
}

TEST_CASE("only the exact value gzip is decoded", "[body]") {
    CHECK(is_gzip_encoding("gzip"));
    CHECK_FALSE(is_gzip_encoding("GZIP"));
    CHECK_FALSE(is_gzip_encoding("gzip, identity"));
    CHECK_FALSE(is_gzip_encoding("deflate"));
}
