// Integration tests of the event routes against a real server on 127.0.0.1 port 0.
#include "support/test_server.hpp"
#include "util/gzip.hpp"

#include <catch2/catch.hpp>

using namespace rm;
using nlohmann::json;

TEST_CASE("each single-event route stores its event and answers ok", "[gateway]") {
    test::TestServer srv;
    for (std::string type : {"identify", "track", "page", "screen", "group", "alias"}) {
        auto res = srv.post("/v1/" + type, "wk-routes", test::fixture("events/" + type + ".json"));
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(res->body == "ok");
        CHECK(res->get_header_value("Content-Type") == "text/plain; charset=utf-8");
        CHECK(res->get_header_value("Date").size() == 29);
    }
    json got = srv.admin_json("/_mock/events?writeKey=wk-routes");
    REQUIRE(got["events"].size() == 6);
    CHECK(got["events"][0]["type"] == "identify");
    CHECK(got["events"][1]["payload"]["event"] == "Order Completed");
    CHECK(got["events"][1]["payload"]["messageId"] == "msg-track-1");
    CHECK(got["events"][1]["payload"]["rudderId"] == "8eee6191-bcf5-4249-8ea0-586287986e2a");
    CHECK(got["events"][1]["payload"]["request_ip"] == "127.0.0.1");
    CHECK(got["events"][5]["payload"]["type"] == "alias");
    CHECK(got["next_since"] == got["events"][5]["id"]);
}

TEST_CASE("batch: every item stored - all or nothing", "[gateway]") {
    test::TestServer srv;
    auto ok = srv.post("/v1/batch", "wk-b", test::fixture("events/batch_mixed.json"));
    REQUIRE(ok);
    CHECK(ok->status == 200);
    auto bad = srv.post("/v1/batch", "wk-b", test::fixture("events/batch_one_bad.json"));
    REQUIRE(bad);
    CHECK(bad->status == 400);
    CHECK(bad->body == "request neither has anonymousId nor userId\n");
    CHECK(bad->get_header_value("X-Content-Type-Options") == "nosniff");
    json got = srv.admin_json("/_mock/events?writeKey=wk-b");
    CHECK(got["events"].size() == 3);
    json journal = srv.admin_json("/_mock/requests?status=400");
    REQUIRE(journal["requests"].size() == 1);
    CHECK(journal["requests"][0]["reason"] == "request neither has anonymousId nor userId");
    CHECK(journal["requests"][0]["event_count"] == 0);
}

TEST_CASE("auth errors - and auth is checked before the body", "[gateway][auth]") {
    test::TestServer srv;
    auto c = srv.client();
    auto none = c.Post("/v1/track", "{", "application/json");
    CHECK(none->status == 401);
    CHECK(none->body == "failed to read writekey from header\n");
    httplib::Headers bearer = {{"Authorization", "Bearer abc"}};
    CHECK(c.Post("/v1/track", bearer, "{}", "application/json")->status == 401);
    // A ?writeKey= is ignored on /v1/*.
    CHECK(c.Post("/v1/track?writeKey=wk", "{}", "application/json")->status == 401);
    // Password is ignored.
    httplib::Headers with_pass = {{"Authorization", test::basic("wk", "secret")}};
    CHECK(c.Post("/v1/track", with_pass, R"({"userId":"u"})", "application/json")->body == "ok");
}

TEST_CASE("configured sources: unknown key 401 - disabled 404", "[gateway][auth]") {
    Config cfg = test::TestServer::default_config();
    cfg.sources_file = test::fixtures_dir() + "/sources/workspace.json";
    test::TestServer srv(cfg);
    auto unknown = srv.post("/v1/track", "nope", "not even json");
    CHECK(unknown->status == 401);
    CHECK(unknown->body == "invalid write key\n");
    auto disabled = srv.post("/v1/track", "wk-off", R"({"userId":"u"})");
    CHECK(disabled->status == 404);
    CHECK(disabled->body == "source is disabled\n");
    CHECK(srv.post("/v1/track", "wk-web", R"({"userId":"u"})")->status == 200);
    json sources = srv.admin_json("/_mock/sources");
    CHECK(sources["sources"].size() == 4);
}

TEST_CASE("router edges: 404 for unknown paths - 405 with Allow", "[gateway][router]") {
    test::TestServer srv;
    auto c = srv.client();
    auto r = c.Post("/v1/track/", httplib::Headers{{"Authorization", test::basic("wk")}}, "{}",
                    "application/json");
    CHECK(r->status == 404);
    CHECK(r->body == "404 page not found\n");
    auto get = c.Get("/v1/track");
    CHECK(get->status == 405);
    CHECK(get->body.empty());
    CHECK(get->get_header_value("Allow") == "POST");
    CHECK_FALSE(get->has_header("Content-Type"));
    auto head = c.Head("/health");
    CHECK(head->status == 405);
    CHECK(c.Get("/v1/webhook?writeKey=wk")->status == 200);
    CHECK(c.Delete("/v1/webhook")->get_header_value("Allow") == "GET, POST");
    auto options = c.Options("/v1/track");
    CHECK(options->status == 405);
    json journal = srv.admin_json("/_mock/requests?status=404");
    CHECK(journal["requests"].size() == 1);
}

TEST_CASE("response profiles word the same refusals differently", "[gateway][profile]") {
    struct Case {
        Profile profile;
        const char* ok;
        const char* no_key;
        const char* bad_json;
    };
    for (Case k :
         {Case{Profile::rudder, "ok", "failed to read writekey from header\n", "invalid json\n"},
          Case{Profile::rudder_legacy, "OK", "Failed to read writeKey from header\n",
               "Invalid JSON\n"},
          Case{Profile::openapi, "OK", "Invalid Authorization Header\n", "Invalid request\n"}}) {
        Config cfg = test::TestServer::default_config();
        cfg.profile = k.profile;
        test::TestServer srv(cfg);
        auto c = srv.client();
        CHECK(srv.post("/v1/track", "wk", R"({"userId":"u"})")->body == k.ok);
        CHECK(c.Post("/v1/track", "{}", "application/json")->body == k.no_key);
        CHECK(srv.post("/v1/track", "wk", "{")->body == k.bad_json);
        // The journal keeps the rudder wording whatever the profile.
        json journal = srv.admin_json("/_mock/requests?status=400");
        CHECK(journal["requests"][0]["reason"] == "invalid json");
    }
}

TEST_CASE("CORS: origin echoed - preflight answered", "[gateway][cors]") {
    test::TestServer srv;
    auto c = srv.client();
    httplib::Headers h = {{"Authorization", test::basic("wk")}, {"Origin", "http://app.test"}};
    auto r = c.Post("/v1/track", h, R"({"userId":"u"})", "application/json");
    CHECK(r->get_header_value("Access-Control-Allow-Origin") == "http://app.test");
    CHECK(r->get_header_value("Access-Control-Allow-Credentials") == "true");
    CHECK(r->get_header_value("Vary") == "Origin");
    auto plain = srv.post("/v1/track", "wk", R"({"userId":"u"})");
    CHECK(plain->get_header_value("Vary") == "Origin");
    CHECK_FALSE(plain->has_header("Access-Control-Allow-Origin"));

    httplib::Headers pre = {
        {"Origin", "http://app.test"},
        {"Access-Control-Request-Method", "POST"},
        {"Access-Control-Request-Headers", "authorization,content-type,anonymousid"}};
    auto p = c.Options("/v1/page", pre);
    CHECK(p->status == 204);
    CHECK(p->body.empty());
    CHECK(p->get_header_value("Access-Control-Allow-Origin") == "http://app.test");
    CHECK(p->get_header_value("Access-Control-Allow-Methods") == "POST");
    CHECK(p->get_header_value("Access-Control-Allow-Headers") ==
          "authorization,content-type,anonymousid");
    CHECK(p->get_header_value("Access-Control-Max-Age") == "900");
    CHECK(p->get_header_value("Vary") ==
          "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    httplib::Headers put = {{"Origin", "http://app.test"},
                            {"Access-Control-Request-Method", "PUT"}};
    auto q = c.Options("/v1/page", put);
    CHECK(q->status == 204);
    CHECK_FALSE(q->has_header("Access-Control-Allow-Origin"));
}

TEST_CASE("gzip bodies are decoded only under Content-Encoding: gzip", "[gateway][gzip]") {
    test::TestServer srv;
    auto c = srv.client();
    std::string body = test::fixture("events/batch_mixed.json");
    std::string gz = gzip_compress(body);
    httplib::Headers h = {{"Authorization", test::basic("wk-gz")}, {"Content-Encoding", "gzip"}};
    auto ok = c.Post("/v1/batch", h, gz, "application/x-www-form-urlencoded");
    CHECK(ok->status == 200);
    CHECK(ok->body == "ok");
    CHECK(srv.admin_json("/_mock/events?writeKey=wk-gz")["events"].size() == 3);
    // gzip bytes without the header are just bytes.
    auto raw = srv.post("/v1/batch", "wk-gz", gz);
    CHECK(raw->status == 400);
    CHECK(raw->body == "invalid json\n");
    // A body that is not gzip under the header.
    auto bad = c.Post("/v1/batch", h, body, "application/json");
    CHECK(bad->status == 500);
    CHECK(bad->body == "failed to read body from request\n");
    // Other encodings are not decoded.
    httplib::Headers deflate = {{"Authorization", test::basic("wk-gz")},
                                {"Content-Encoding", "deflate"}};
    CHECK(c.Post("/v1/batch", deflate, body, "application/json")->status == 200);
    // Responses are never compressed, whatever the client accepts.
    httplib::Headers accept = {{"Authorization", test::basic("wk-gz")},
                               {"Accept-Encoding", "gzip"}};
    auto plain = c.Post("/v1/track", accept, R"({"userId":"u"})", "application/json");
    CHECK_FALSE(plain->has_header("Content-Encoding"));
    CHECK(plain->body == "ok");
}

TEST_CASE("the size limit applies after decoding - after the JSON and id checks",
          "[gateway][size]") {
    Config cfg = test::TestServer::default_config();
    cfg.max_request_kb = 1;
    test::TestServer srv(cfg);
    std::string big_props(2000, 'x');
    auto big = srv.post("/v1/track", "wk", R"({"userId":"u","p":")" + big_props + "\"}");
    CHECK(big->status == 413);
    CHECK(big->body == "request size exceeds max limit\n");
    auto big_invalid = srv.post("/v1/track", "wk", "{" + big_props);
    CHECK(big_invalid->body == "invalid json\n");
    auto big_no_ids = srv.post("/v1/track", "wk", R"({"p":")" + big_props + "\"}");
    CHECK(big_no_ids->body == "request neither has anonymousId nor userId\n");
    auto audience =
        srv.post("/v1/audiencelist", "wk", R"({"userId":"u","p":")" + big_props + "\"}");
    CHECK(audience->status == 200);
    CHECK(srv.admin_json("/_mock/events")["events"].size() == 1);
}

TEST_CASE("a large batch is parsed in the bulk pool - stored whole and limited by its decoded size",
          "[gateway][size]") {
    // ~75 KB: above the bulk pool's threshold; its journal copy is compressed before storing.
    std::string batch = R"({"batch":[)";
    for (int i = 0; i < 150; ++i) {
        batch += (i ? "," : "") + std::string(R"({"type":"track","event":"Bulk","userId":"u)") +
                 std::to_string(i) + R"(","properties":{"pad":")" + std::string(400, 'p') + "\"}}";
    }
    batch += "]}";
    REQUIRE(batch.size() > 64 * 1024);
    {
        test::TestServer srv;
        auto r = srv.post("/v1/batch", "wk-bulk", batch);
        REQUIRE(r->status == 200);
        auto events = srv.admin_json("/_mock/events?writeKey=wk-bulk&limit=1000")["events"];
        CHECK(events.size() == 150);
        auto requests = srv.admin_json("/_mock/requests?writeKey=wk-bulk")["requests"];
        REQUIRE(requests.size() == 1);
        CHECK(requests[0]["body"] == batch); // read back decoded
    }
    // Compressed, the journal copy is far below 40 KB; the limit is on the decoded 75 KB.
    Config cfg = test::TestServer::default_config();
    cfg.max_request_kb = 40;
    test::TestServer srv(cfg);
    auto r = srv.post("/v1/batch", "wk-bulk", batch);
    CHECK(r->status == 413);
    CHECK(srv.admin_json("/_mock/events")["events"].empty());
}
