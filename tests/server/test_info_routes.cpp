// The control plane's /sourceConfig on the gateway's port, as the browser SDK calls it:
// cross-origin with Basic auth (so preflighted), journaled, never storing events.
#include "support/test_server.hpp"

#include <catch2/catch.hpp>

using namespace rm;
using nlohmann::json;

namespace {
const char* const k_origin = "http://127.0.0.1:5173";
// The query string the SDK adds to {configUrl}/sourceConfig/.
const char* const k_sdk_query = "?p=npm&v=3.34.1&build=modern&writeKey=wk-q"
                                "&lockIntegrationsVersion=false&lockPluginsVersion=false";

test::TestServer with_sources(const std::string& file) {
    Config cfg = test::TestServer::default_config();
    cfg.sources_file = test::fixtures_dir() + "/sources/" + file;
    return test::TestServer(cfg);
}
} // namespace

TEST_CASE("sourceConfig answers any key without a sources file", "[gateway][source_config]") {
    test::TestServer srv;
    auto c = srv.client();
    httplib::Headers h = {{"Authorization", test::basic("wk-browser")}, {"Origin", k_origin}};
    auto res = c.Get("/sourceConfig/?p=npm&writeKey=wk-browser", h);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "application/json; charset=utf-8");
    CHECK(res->get_header_value("Access-Control-Allow-Origin") == k_origin);
    CHECK(res->get_header_value("Access-Control-Allow-Credentials") == "true");
    json body = json::parse(res->body);
    CHECK(body["source"]["writeKey"] == "wk-browser");
    CHECK(body["source"]["enabled"] == true);
    // Without the slash, and with the key only in the query.
    auto plain = c.Get(std::string("/sourceConfig") + k_sdk_query);
    REQUIRE(plain);
    CHECK(plain->status == 200);
    CHECK(json::parse(plain->body)["source"]["id"] == "wk-q");
    // Basic auth wins over the query.
    auto both = c.Get("/sourceConfig/?writeKey=other", h);
    CHECK(json::parse(both->body)["source"]["writeKey"] == "wk-browser");
    // No key at all: the control plane's refusal, not the gateway's 401.
    auto none = c.Get("/sourceConfig/");
    CHECK(none->status == 400);
    CHECK(none->body == "Invalid write key\n");
    CHECK(c.Head("/sourceConfig/?writeKey=wk-h")->status == 200);
    CHECK(c.Post("/sourceConfig/", "{}", "application/json")->status == 405);
    CHECK(c.Get("/sourceConfig/x")->status == 404);
}

TEST_CASE("sourceConfig preflight allows the authorization header", "[gateway][source_config]") {
    test::TestServer srv;
    auto c = srv.client();
    httplib::Headers pre = {{"Origin", k_origin},
                            {"Access-Control-Request-Method", "GET"},
                            {"Access-Control-Request-Headers", "authorization"}};
    auto res = c.Options("/sourceConfig/?writeKey=wk", pre);
    REQUIRE(res);
    CHECK(res->status == 204);
    CHECK(res->get_header_value("Access-Control-Allow-Origin") == k_origin);
    CHECK(res->get_header_value("Access-Control-Allow-Methods") == "GET");
    CHECK(res->get_header_value("Access-Control-Allow-Headers") == "authorization");
    CHECK(res->get_header_value("Access-Control-Allow-Credentials") == "true");
}

TEST_CASE("sourceConfig requests are journaled and store no events", "[gateway][source_config]") {
    test::TestServer srv;
    auto c = srv.client();
    httplib::Headers h = {{"Authorization", test::basic("wk-j")}};
    c.Get("/sourceConfig/?writeKey=wk-j", h);
    c.Get("/sourceConfig/");
    json rows = srv.admin_json("/_mock/requests?path=/sourceConfig/")["requests"];
    REQUIRE(rows.size() == 2);
    CHECK(rows[0]["status"] == 200);
    CHECK(rows[0]["method"] == "GET");
    CHECK(rows[0]["write_key"] == "wk-j");
    CHECK(rows[0]["query"] == "writeKey=wk-j");
    CHECK(rows[0]["event_count"] == 0);
    CHECK(rows[0]["reason"] == "");
    CHECK(json::parse(rows[0]["response_body"].get<std::string>())["source"]["id"] == "wk-j");
    CHECK(rows[1]["status"] == 400);
    CHECK(rows[1]["reason"] == "invalid write key (none in Basic auth or ?writeKey=)");
    CHECK(srv.admin_json("/_mock/events")["events"].empty());
    CHECK(srv.admin_json("/_mock/deliveries")["summary"]["deliveries"] == 0);
}

TEST_CASE("sourceConfig serves configured sources - unknown keys 400 - disabled ones as disabled",
          "[gateway][source_config]") {
    test::TestServer srv = with_sources("browser.json");
    auto c = srv.client();
    auto site = c.Get("/sourceConfig/", {{"Authorization", test::basic("wk-site")}});
    REQUIRE(site);
    CHECK(site->status == 200);
    json s = json::parse(site->body)["source"];
    CHECK(s["id"] == "src-site");
    CHECK(s["name"] == "Marketing site");
    CHECK(s["workspaceId"] == "ws-browser");
    REQUIRE(s["destinations"].size() == 2);
    CHECK(s["destinations"][0]["id"] == "dst-ga4");
    auto unknown = c.Get("/sourceConfig/", {{"Authorization", test::basic("wk-nope")}});
    CHECK(unknown->status == 400);
    CHECK(unknown->body == "Invalid write key\n");
    auto paused = c.Get("/sourceConfig/?writeKey=wk-paused");
    CHECK(paused->status == 200);
    CHECK(json::parse(paused->body)["source"]["enabled"] == false);
    json journal = srv.admin_json("/_mock/requests?writeKey=wk-nope")["requests"];
    REQUIRE(journal.size() == 1);
    CHECK(journal[0]["status"] == 400);
    CHECK(journal[0]["reason"] == "invalid write key");
    // An unknown key is not learned: the sources file is the whole truth.
    CHECK(srv.admin_json("/_mock/sources")["sources"].size() == 2);
}
