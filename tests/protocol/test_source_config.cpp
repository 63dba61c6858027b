// The control plane's source configuration as the browser SDK validates it.
#include "protocol/source_config.hpp"
#include "support/test_server.hpp"

#include <catch2/catch.hpp>

using namespace rm;
using nlohmann::json;

namespace {
// What @rudderstack/analytics-js v3 checks before using a configuration (its config manager's
// isValidSourceConfig), plus the destination fields it maps without checking.
bool sdk_accepts(const json& res) {
    if (!res.is_object() || !res.contains("source") || !res["source"].is_object()) {
        return false;
    }
    const json& s = res["source"];
    if (!s.contains("id") || s["id"].is_null() || !s.contains("config") ||
        !s["config"].is_object() || !s.contains("destinations") || !s["destinations"].is_array()) {
        return false;
    }
    for (const auto& d : s["destinations"]) {
        if (!d.contains("destinationDefinition") ||
            !d["destinationDefinition"]["displayName"].is_string() || !d["config"].is_object()) {
            return false;
        }
    }
    return true;
}

SourceRegistry browser_workspace() {
    auto reg = SourceRegistry::from_json(test::fixture("sources/browser.json"));
    REQUIRE(reg.ok());
    return std::move(*reg);
}
} // namespace

TEST_CASE("a configured source is served with its ids - names and destinations",
          "[source_config]") {
    SourceRegistry reg = browser_workspace();
    auto a = source_config_answer("wk-site", reg.by_write_key("wk-site"));
    CHECK(a.status == 200);
    CHECK(a.content_type == "application/json; charset=utf-8");
    CHECK(a.reason.empty());
    json res = json::parse(a.body);
    REQUIRE(sdk_accepts(res));
    CHECK(res["isHosted"] == false);
    const json& s = res["source"];
    CHECK(s["id"] == "src-site");
    CHECK(s["name"] == "Marketing site");
    CHECK(s["writeKey"] == "wk-site");
    CHECK(s["workspaceId"] == "ws-browser");
    CHECK(s["enabled"] == true);
    // Statistics off: the SDK would otherwise POST errors and metrics to /rsaMetrics.
    CHECK(s["config"]["statsCollection"]["errors"]["enabled"] == false);
    CHECK(s["config"]["statsCollection"]["metrics"]["enabled"] == false);
    REQUIRE(s["destinations"].size() == 2);
    const json& ga4 = s["destinations"][0];
    CHECK(ga4["id"] == "dst-ga4");
    CHECK(ga4["name"] == "GA4 prod");
    CHECK(ga4["enabled"] == true);
    CHECK(ga4["destinationDefinition"]["name"] == "GA4");
    CHECK(ga4["destinationDefinition"]["displayName"] == "Google Analytics 4 (GA4)");
    // Cloud mode: the SDK loads no integration script (none can be fetched offline).
    CHECK(ga4["config"]["connectionMode"] == "cloud");
    const json& bare = s["destinations"][1];
    CHECK(bare["id"] == "dst-bare");
    CHECK(bare["name"] == "dst-bare");
    CHECK(bare["enabled"] == false);
    CHECK(bare["destinationDefinition"]["displayName"].is_string());
}

TEST_CASE("a learned source gets a synthesized configuration", "[source_config]") {
    SourceRegistry reg; // permissive: no sources file
    auto a = source_config_answer("any-key", reg.by_write_key("any-key"));
    CHECK(a.status == 200);
    json res = json::parse(a.body);
    REQUIRE(sdk_accepts(res));
    CHECK(res["source"]["id"] == "any-key");
    CHECK(res["source"]["name"] == "any-key");
    CHECK(res["source"]["writeKey"] == "any-key");
    CHECK(res["source"]["workspaceId"] == "ruddermock");
    CHECK(res["source"]["enabled"] == true);
    CHECK(res["source"]["destinations"].empty());
}

TEST_CASE("unknown keys get 400 - disabled sources say enabled false", "[source_config]") {
    SourceRegistry reg = browser_workspace();
    auto unknown = source_config_answer("nope", reg.by_write_key("nope"));
    CHECK(unknown.status == 400);
    CHECK(unknown.body == "Invalid write key\n");
    CHECK(unknown.reason == "invalid write key");
    auto none = source_config_answer("", std::nullopt);
    CHECK(none.status == 400);
    CHECK(none.reason.find("none in Basic auth") != std::string::npos);
    auto paused = source_config_answer("wk-paused", reg.by_write_key("wk-paused"));
    CHECK(paused.status == 200);
    json res = json::parse(paused.body);
    REQUIRE(sdk_accepts(res));
    CHECK(res["source"]["enabled"] == false);
    CHECK(res["source"]["name"] == "Paused site");
    CHECK_FALSE(paused.reason.empty());
}

TEST_CASE("source names and destination definitions are read from the sources file",
          "[source_config][sources]") {
    SourceRegistry reg = browser_workspace();
    auto s = reg.by_write_key("wk-site");
    REQUIRE(s);
    CHECK(s->name == "Marketing site");
    REQUIRE(s->destinations.size() == 2);
    CHECK(s->destinations[0].name == "GA4 prod");
    CHECK(s->destinations[0].definition_name == "GA4");
    CHECK(s->destinations[0].definition_display == "Google Analytics 4 (GA4)");
    CHECK(s->destinations[1].name.empty());
}
