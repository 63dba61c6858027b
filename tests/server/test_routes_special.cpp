// Integration tests of the routes beyond the plain event routes.
#include "support/test_server.hpp"

#include <catch2/catch.hpp>

using namespace rm;
using nlohmann::json;

namespace {
Config with_workspace() {
    Config cfg = test::TestServer::default_config();
    cfg.sources_file = test::fixtures_dir() + "/sources/workspace.json";
    return cfg;
}
} // namespace

TEST_CASE("beacon: query write key - text/plain body - like /v1/batch", "[routes][beacon]") {
    test::TestServer srv;
    auto c = srv.client();
    auto missing =
        c.Post("/beacon/v1/batch", test::fixture("events/batch_mixed.json"), "text/plain");
    CHECK(missing->status == 401);
    CHECK(missing->body == "failed to read writekey from query params\n");
    auto ok = c.Post("/beacon/v1/batch?writeKey=wk-beacon",
                     test::fixture("events/batch_mixed.json"), "text/plain;charset=UTF-8");
    CHECK(ok->status == 200);
    CHECK(srv.admin_json("/_mock/events?writeKey=wk-beacon")["events"].size() == 3);
}

TEST_CASE("pixel: always a GIF - stored only when valid", "[routes][pixel]") {
    test::TestServer srv;
    auto c = srv.client();
    const std::string gif_hex =
        "4749463839610100010080000000000000000021f90401000000002c00000000010001000002024401003b";
    for (const char* path :
         {"/pixel/v1/page?writeKey=wk-px&anonymousId=a1&name=Home",
          "/pixel/v1/track?writeKey=wk-px&anonymousId=a1&event=",
          "/pixel/v1/track?anonymousId=a1&event=e", "/pixel/v1/track?writeKey=wk-px&event=no-ids",
          "/pixel/v1/track?writeKey=wk-px&userId=u&event=Open&properties.n=3"}) {
        auto r = c.Get(path);
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->get_header_value("Content-Type") == "image/gif");
        std::string hex;
        for (unsigned char b : r->body) {
            static const char* digits = "0123456789abcdef";
            hex += digits[b >> 4];
            hex += digits[b & 15];
        }
        CHECK(hex == gif_hex);
    }
    json got = srv.admin_json("/_mock/events");
    REQUIRE(got["events"].size() == 2);
    CHECK(got["events"][0]["payload"]["name"] == "Home");
    CHECK(got["events"][1]["payload"]["properties"]["n"] == "3");
    CHECK(c.Post("/pixel/v1/track?writeKey=wk", "", "text/plain")->status == 405);
}

TEST_CASE("webhook: webhook sources only - GET stores nothing", "[routes][webhook]") {
    test::TestServer srv(with_workspace());
    auto c = srv.client();
    auto none = c.Post("/v1/webhook", R"({"a":1})", "application/json");
    CHECK(none->status == 401);
    CHECK(none->body == "failed to read writekey from query params\n");
    CHECK(c.Post("/v1/webhook?writeKey=wk-web", R"({"a":1})", "application/json")->body ==
          "invalid write key\n");
    auto ok = c.Post("/v1/webhook?writeKey=wk-hook&x=1", R"({"a":1})", "application/json");
    CHECK(ok->status == 200);
    auto form =
        c.Post("/v1/webhook?writeKey=wk-hook", "k=v+w&n=%41", "application/x-www-form-urlencoded");
    CHECK(form->status == 200);
    auto multipart =
        c.Post("/v1/webhook?writeKey=wk-hook",
               "--XX\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n--XX--\r\n",
               "multipart/form-data; boundary=XX");
    CHECK(multipart->status == 200);
    auto get = c.Get("/v1/webhook?writeKey=wk-hook");
    CHECK(get->status == 200);
    CHECK(get->body.empty());
    json got = srv.admin_json("/_mock/events?type=webhook");
    REQUIRE(got["events"].size() == 3);
    CHECK(got["events"][0]["payload"]["body"]["a"] == 1);
    CHECK(got["events"][0]["payload"]["query"]["x"] == "1");
    CHECK(got["events"][1]["payload"]["body"]["k"] == "v w");
    CHECK(got["events"][1]["payload"]["body"]["n"] == "A");
    CHECK(got["events"][2]["payload"]["body"].get<std::string>().find("form-data") !=
          std::string::npos);
}

TEST_CASE("import: groups that pass are stored - the answer names the failure",
          "[routes][import]") {
    test::TestServer srv;
    auto r = srv.post("/v1/import", "wk-imp", test::fixture("events/import_two_users.json"));
    CHECK(r->status == 400);
    CHECK(r->body == "request neither has anonymousId nor userId\n");
    CHECK(srv.admin_json("/_mock/events?writeKey=wk-imp")["events"].size() == 2);
    CHECK(srv.post("/v1/import", "wk-imp", R"({"batch":[]})")->status == 200);
}

TEST_CASE("retl and replay use source-id headers", "[routes][internal]") {
    test::TestServer srv(with_workspace());
    auto c = srv.client();
    std::string body =
        R"({"batch":[{"type":"record","fields":{"a":1}},{"type":"track","userId":"u"}]})";
    CHECK(c.Post("/internal/v1/retl", body, "application/json")->body ==
          "failed to read source id from header\n");
    httplib::Headers retl = {{"X-Rudder-Source-Id", "src-web"},
                             {"X-Rudder-Destination-Id", "dst-on"}};
    CHECK(c.Post("/internal/v1/retl", retl, body, "application/json")->status == 200);
    httplib::Headers off = {{"X-Rudder-Source-Id", "src-web"},
                            {"X-Rudder-Destination-Id", "dst-off"}};
    auto disabled = c.Post("/internal/v1/retl", off, body, "application/json");
    CHECK(disabled->status == 404);
    CHECK(disabled->body == "destination is disabled\n");
    httplib::Headers not_replay = {{"X-Rudder-Source-Id", "src-web"}};
    CHECK(c.Post("/internal/v1/replay", not_replay, body, "application/json")->body ==
          "invalid replay source\n");
    httplib::Headers replay = {{"X-Rudder-Source-Id", "src-replay"}};
    std::string old =
        R"({"batch":[{"type":"track","userId":"u","receivedAt":"2020-01-01T00:00:00.000Z"}]})";
    CHECK(c.Post("/internal/v1/replay", replay, old, "application/json")->status == 200);
    json got = srv.admin_json("/_mock/events?writeKey=wk-replay");
    REQUIRE(got["events"].size() == 1);
    CHECK(got["events"][0]["payload"]["receivedAt"] == "2020-01-01T00:00:00.000Z");
    CHECK(srv.admin_json("/_mock/events?writeKey=wk-web")["events"].size() == 2);
}

TEST_CASE("extract - merge - audiencelist and the internal batch", "[routes][internal]") {
    test::TestServer srv;
    CHECK(srv.post("/internal/v1/extract", "wk", R"({"properties":{}})")->status == 200);
    CHECK(srv.post("/v1/merge", "wk", R"({"userId":"u","mergeProperties":[]})")->status == 200);
    CHECK(srv.post("/internal/v1/audiencelist", "wk", R"({"userId":"u"})")->status == 200);
    auto c = srv.client();
    std::string msg =
        R"([{"properties":{"requestType":"track","routingKey":"r","workspaceID":"w","sourceID":"s",)"
        R"("receivedAt":"t","requestIP":"i"},"payload":{"messageId":"m","receivedAt":"t",)"
        R"("request_ip":"i","rudderId":"r","type":"track","userId":"u"}}])";
    CHECK(c.Post("/internal/v1/batch", msg, "application/json")->status == 200);
    CHECK(c.Post("/internal/v1/batch", "[]", "application/json")->body ==
          "event is not a valid rudder event\n");
    json got = srv.admin_json("/_mock/events");
    REQUIRE(got["events"].size() == 4);
    CHECK(got["events"][0]["type"] == "extract");
    CHECK(got["events"][1]["type"] == "merge");
    CHECK(got["events"][2]["type"] == "audiencelist");
    CHECK(got["events"][3]["payload"]["rudderId"] == "r");
}

TEST_CASE("health - version - robots", "[routes][info]") {
    test::TestServer srv;
    auto c = srv.client();
    auto health = c.Get("/health");
    CHECK(health->status == 200);
    json h = json::parse(health->body);
    CHECK(h["server"] == "UP");
    CHECK(h["acceptingEvents"] == "TRUE");
    CHECK(json::parse(c.Get("/")->body)["db"] == "UP");
    CHECK(json::parse(c.Get("/version")->body).contains("Version"));
    CHECK(c.Get("/robots.txt")->body == "User-agent: * \nDisallow: / \n");
}

TEST_CASE("rate limit: events per window per workspace - then 429", "[routes][rate]") {
    Config cfg = test::TestServer::default_config();
    cfg.rate_limit = RateLimitConfig{3, 60000};
    test::TestServer srv(cfg);
    CHECK(srv.post("/v1/batch", "wk", test::fixture("events/batch_mixed.json"))->status == 200);
    auto limited = srv.post("/v1/track", "wk", R"({"userId":"u"})");
    CHECK(limited->status == 429);
    CHECK(limited->body == "max requests limit reached\n");
    CHECK_FALSE(limited->has_header("Retry-After"));
    // Invalid requests are refused before the limit is consulted.
    CHECK(srv.post("/v1/track", "wk", "{")->status == 400);
    CHECK(srv.admin_json("/_mock/events")["events"].size() == 3);
}

TEST_CASE("retl can require a destination id - in every profile's words", "[routes][internal]") {
    Config cfg = with_workspace();
    cfg.retl_require_destination_id = true;
    cfg.profile = Profile::rudder_legacy;
    test::TestServer srv(cfg);
    auto c = srv.client();
    std::string body = R"({"batch":[{"type":"record","fields":{"a":1}}]})";
    httplib::Headers none = {{"X-Rudder-Source-Id", "src-web"}};
    auto missing = c.Post("/internal/v1/retl", none, body, "application/json");
    CHECK(missing->status == 400);
    CHECK(missing->body == "Failed to read destination id from header\n");
    httplib::Headers with = {{"X-Rudder-Source-Id", "src-web"},
                             {"X-Rudder-Destination-Id", "dst-on"}};
    CHECK(c.Post("/internal/v1/retl", with, body, "application/json")->status == 200);
    auto refused = srv.admin_json("/_mock/requests?status=400")["requests"];
    REQUIRE(refused.size() == 1);
    CHECK(refused[0]["reason"] == "failed to read destination id from header");
    CHECK(srv.admin_json("/_mock/events")["events"].size() == 1);
}
