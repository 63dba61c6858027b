#include "util/encoding.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace rm;

TEST_CASE("md5 matches RFC 1321 values across block boundaries", "[util][md5]") {
    CHECK(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
    CHECK(md5_hex(std::string(55, 'a')) == "ef1772b6dff9a122358552954ad0df65");
    CHECK(md5_hex(std::string(56, 'a')) == "3b0c8ac703f828b04c6c197006d17218");
    CHECK(md5_hex(std::string(64, 'a')) == "014842d480b571495a4a0363793f7367");
    CHECK(md5_hex(std::string(119, 'a')) == "8a7bd0732ed6a28ce75f6dabc90e1613");
    CHECK(md5_hex(std::string(120, 'a')) == "5f61c0ccad4cac44c75ff505e1f1e537");
}

TEST_CASE("rudderId is the MD5 of the ids shaped as a version 4 UUID", "[util][md5]") {
    CHECK(md5_uuid("user-1:anon-1") == "8eee6191-bcf5-4249-8ea0-586287986e2a");
    CHECK(md5_uuid("u1:") == "5eff0fc3-0944-48fa-9c04-38f62e3890ca");
    CHECK(md5_uuid(":") == "853ae90f-0351-424b-973e-a615e6487517");
}

TEST_CASE("random UUIDs are version 4 - variant 1 and distinct", "[util][uuid]") {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        std::string u = random_uuid_v4();
        REQUIRE(u.size() == 36);
        CHECK(u[14] == '4');
        CHECK(std::string("89ab").find(u[19]) != std::string::npos);
        seen.insert(u);
    }
    CHECK(seen.size() == 1000);
}

TEST_CASE("base64 decoding is strict and padded", "[util][base64]") {
    CHECK(base64_decode("d2s6") == std::optional<std::string>("wk:"));
    CHECK(base64_decode("d2s6cGFzcw==") == std::optional<std::string>("wk:pass"));
    CHECK(base64_decode("") == std::optional<std::string>(""));
    CHECK_FALSE(base64_decode("d2s6cGFzcw").has_value()); // unpadded
    CHECK_FALSE(base64_decode("d2s!").has_value());
    CHECK_FALSE(base64_decode("d2=6").has_value());
    for (std::string s : {"", "a", "ab", "abc", "abcd", "\xff\x00\x10"}) {
        CHECK(base64_decode(base64_encode(s)) == std::optional<std::string>(s));
    }
}
