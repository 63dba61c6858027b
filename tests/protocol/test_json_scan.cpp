#include "protocol/json_scan.hpp"

#include <catch2/catch.hpp>

using namespace rm;

TEST_CASE("the validator accepts exactly RFC 8259 JSON", "[json]") {
    for (const char* ok : {"{}", "[]", " {\"a\" : [1, -0.5e+3, true, false, null, \"x\"]} ", "0",
                           "-0", "1E5", "\"\\u00e9\\n\\/\"", "\"\\ud800\"", "\"caf\xc3\xa9\"",
                           "{\"a\":{\"b\":{}}}", "[[],[{}]]"}) {
        CHECK(json::validate(ok, 100));
    }
    for (const char* bad : {"",
                            " ",
                            "{",
                            "}",
                            "[1,]",
                            "{\"a\":1,}",
                            "{a:1}",
                            "01",
                            "1.",
                            "-",
                            "1e",
                            ".5",
                            "+1",
                            "\"\\x\"",
                            "\"\t\"",
                            "'a'",
                            "[1] 2",
                            "tru",
                            "nul",
                            "{\"a\" 1}",
                            "\"\\u12G4\"",
                            "\"\xc0\xaf\"",
                            "\"\xed\xa0\x80\"",
                            "\"\xf5\x80\x80\x80\"",
                            "\"abc",
                            "NaN",
                            "[1 2]"}) {
        CHECK_FALSE(json::validate(bad, 100));
    }
}

TEST_CASE("the validator limits depth without recursion", "[json]") {
    std::string ok = std::string(50, '[') + std::string(50, ']');
    CHECK(json::validate(ok, 50));
    CHECK_FALSE(json::validate("[" + ok + "]", 50));
    std::string huge(1000000, '{');
    CHECK_FALSE(json::validate(huge, 1000000)); // unterminated, and no stack overflow
}

TEST_CASE("members - elements and unescaping of validated text", "[json]") {
    std::string text = R"({ "a" : 1 , "b\"q" : {"x":[1,"]"]}, "c":"s\\t\u00e9\ud83d\ude00" })";
    REQUIRE(json::validate(text, 10));
    auto m = json::members(json::trim(text));
    REQUIRE(m.size() == 3);
    CHECK(m[0].key == "a");
    CHECK(m[0].value == "1");
    CHECK(json::key_is(m[1].key, "b\"q"));
    CHECK(m[1].value == R"({"x":[1,"]"]})");
    CHECK(json::unescape(m[2].value) == "s\\t\xc3\xa9\xf0\x9f\x98\x80");
    auto e = json::elements(R"([ 1, "two" ,{"3":3}, [] ])");
    REQUIRE(e.size() == 4);
    CHECK(e[1] == "\"two\"");
    CHECK(e[3] == "[]");
    CHECK(json::members("{}").empty());
    CHECK(json::elements("[ ]").empty());
    CHECK(json::unescape(R"("\ud800x")") == "\xef\xbf\xbdx");
    CHECK(json::kind_of("null") == json::Kind::null);
    CHECK(json::kind_of("-1") == json::Kind::number);
}

TEST_CASE("values end right after runs of backslashes and brackets inside strings", "[json]") {
    // An even run of backslashes before a quote ends the string; an odd one escapes it.
    std::string text = R"({"a":"x\\","b":"y\\\"}","c":["\\\\",{"d":"]}\"["}],"e":"\\\\\\"})";
    REQUIRE(json::validate(text, 10));
    auto m = json::members(text);
    REQUIRE(m.size() == 4);
    CHECK(m[0].value == R"("x\\")");
    CHECK(m[1].value == R"("y\\\"}")");
    CHECK(m[2].value == R"(["\\\\",{"d":"]}\"["}])");
    CHECK(m[3].key == "e");
    CHECK(m[3].value == R"("\\\\\\")");
    auto e = json::elements(m[2].value);
    REQUIRE(e.size() == 2);
    CHECK(e[0] == R"("\\\\")");
    CHECK(e[1] == R"({"d":"]}\"["})");
    CHECK(json::elements(R"(["\"", "\\"])").size() == 2);
}
