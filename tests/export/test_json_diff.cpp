#include "export/json_diff.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace rm;
using nlohmann::json;

TEST_CASE("json_diff names differences by path", "[jsondiff]") {
    json a = json::parse(R"({"type":"track","properties":{"total":10,"items":[{"sku":"a"}]},
                             "only_a":1})");
    json b = json::parse(R"({"type":"track","properties":{"total":12,"items":[{"sku":"b"},2]},
                             "only_b":true})");
    auto d = json_diff(a, b);
    // Keys in sorted order (nlohmann keeps objects sorted), left's first, then right's own.
    REQUIRE(d.size() == 5);
    CHECK(d[0].path == "only_a");
    CHECK(d[0].kind == JsonDifference::Kind::only_left);
    CHECK(d[0].left == "1");
    CHECK(d[1].path == "properties.items[0].sku");
    CHECK(d[2].path == "properties.items[1]");
    CHECK(d[2].kind == JsonDifference::Kind::only_right);
    CHECK(d[3].path == "properties.total");
    CHECK(d[3].kind == JsonDifference::Kind::changed);
    CHECK(d[3].left == "10");
    CHECK(d[3].right == "12");
    CHECK(d[4].path == "only_b");
    CHECK(d[4].right == "true");
    CHECK(json_diff(a, a).empty());
    CHECK(json_diff(json::parse("1"), json::parse("1.0")).empty()); // equal numbers
    CHECK(json_diff(a, b, 2).size() == 2);
    auto root = json_diff(json::parse("[1]"), json::parse("{}"));
    REQUIRE(root.size() == 1);
    CHECK(root[0].path.empty());
}

TEST_CASE("json_paths lists containers before their children", "[jsondiff]") {
    auto p = json_paths(json::parse(R"({"a":{"b":[1,"x"]}})"));
    REQUIRE(p.size() == 5);
    CHECK(p[0].first.empty());
    CHECK(p[1] == std::make_pair(std::string("a"), std::string("{}")));
    CHECK(p[2].first == "a.b");
    CHECK(p[3] == std::make_pair(std::string("a.b[0]"), std::string("1")));
    CHECK(p[4].second == "\"x\"");
}
