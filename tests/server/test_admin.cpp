// The admin API: query, wait, reset, stats, sources, token.
#include "support/test_server.hpp"
#include "util/secure_compare.hpp"

#include <catch2/catch.hpp>
#include <thread>

using namespace rm;
using nlohmann::json;

TEST_CASE("events can be filtered and paged with since", "[admin]") {
    test::TestServer srv;
    srv.post("/v1/batch", "wk-f", test::fixture("events/batch_mixed.json"));
    srv.post("/v1/track", "wk-g", test::fixture("events/track.json"));
    CHECK(srv.admin_json("/_mock/events?type=track")["events"].size() == 2);
    CHECK(srv.admin_json("/_mock/events?event=Clicked")["events"].size() == 1);
    CHECK(srv.admin_json("/_mock/events?userId=user-2")["events"].size() == 2);
    CHECK(srv.admin_json("/_mock/events?anonymousId=anon-2")["events"].size() == 1);
    CHECK(srv.admin_json("/_mock/events?messageId=b-3")["events"].size() == 1);
    CHECK(srv.admin_json("/_mock/events?q=Grace")["events"].size() == 1);
    json page1 = srv.admin_json("/_mock/events?limit=2");
    REQUIRE(page1["events"].size() == 2);
    json page2 = srv.admin_json("/_mock/events?since=" + page1["next_since"].dump());
    CHECK(page2["events"].size() == 2);
    json desc = srv.admin_json("/_mock/events?order=desc&limit=1");
    CHECK(desc["events"][0]["write_key"] == "wk-g");
    int64_t id = desc["events"][0]["id"];
    json one = srv.admin_json("/_mock/events/" + std::to_string(id));
    CHECK(one["payload"]["event"] == "Order Completed");
    auto c = srv.client();
    CHECK(c.Get("/_mock/events/999999")->status == 404);
    CHECK(c.Get("/_mock/events?limit=0")->status == 400);
    CHECK(c.Get("/_mock/events?limit=10001")->status == 400);
    CHECK(c.Get("/_mock/events?order=sideways")->status == 400);
    CHECK(c.Get("/_mock/nothing")->status == 404);
}

TEST_CASE("admin traffic is never journaled", "[admin]") {
    test::TestServer srv;
    srv.admin_json("/_mock/events");
    srv.admin_json("/_mock/stats");
    CHECK(srv.admin_json("/_mock/requests")["requests"].empty());
}

TEST_CASE("the journal lists requests with status filters", "[admin]") {
    test::TestServer srv;
    auto c = srv.client();
    c.Post("/v1/track", "{}", "application/json");
    srv.post("/v1/track", "wk", "{");
    srv.post("/v1/track", "wk", R"({"userId":"u"})");
    CHECK(srv.admin_json("/_mock/requests?status=4xx")["requests"].size() == 2);
    json r401 = srv.admin_json("/_mock/requests?status=401");
    REQUIRE(r401["requests"].size() == 1);
    CHECK(r401["requests"][0]["reason"] == "failed to read writekey from header");
    CHECK(r401["requests"][0]["path"] == "/v1/track");
    json ok = srv.admin_json("/_mock/requests?status=200&writeKey=wk");
    REQUIRE(ok["requests"].size() == 1);
    CHECK(ok["requests"][0]["body"] == R"({"userId":"u"})");
    CHECK(ok["requests"][0]["event_count"] == 1);
    CHECK(ok["requests"][0]["headers"]["Authorization"] == test::basic("wk"));
    CHECK(srv.admin_json("/_mock/requests?path=/v1/track")["requests"].size() == 3);
    httplib::Headers twice = {
        {"Authorization", test::basic("wk-dup")}, {"X-Dup", "a"}, {"X-Dup", "b"}};
    c.Post("/v1/track", twice, R"({"userId":"u"})", "application/json");
    json dup = srv.admin_json("/_mock/requests?writeKey=wk-dup");
    CHECK(dup["requests"][0]["headers"]["X-Dup"] == json::array({"a", "b"}));
    CHECK_FALSE(dup["requests"][0]["headers"].contains("REMOTE_ADDR"));
    CHECK(c.Get("/_mock/requests?status=abc")->status == 400);
    CHECK(c.Get("/_mock/requests?order=up")->status == 400);
    json desc = srv.admin_json("/_mock/requests?order=desc&limit=1");
    CHECK(desc["requests"][0]["status"] == 200);
}

TEST_CASE("wait returns as soon as enough events exist - else 408", "[admin][wait]") {
    test::TestServer srv;
    auto c = srv.client();
    auto start = std::chrono::steady_clock::now();
    auto timeout = c.Get("/_mock/wait?count=1&timeout_ms=200&writeKey=wk-w");
    CHECK(timeout->status == 408);
    CHECK(json::parse(timeout->body)["events"].empty());
    std::thread sender([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        srv.post("/v1/batch", "wk-w", test::fixture("events/batch_mixed.json"));
    });
    start = std::chrono::steady_clock::now();
    auto got = c.Get("/_mock/wait?count=3&timeout_ms=20000&writeKey=wk-w");
    auto waited = std::chrono::steady_clock::now() - start;
    sender.join();
    CHECK(got->status == 200);
    CHECK(json::parse(got->body)["events"].size() == 3);
    CHECK(waited < std::chrono::seconds(10)); // woke on commit, long before the timeout
    auto filtered = c.Get("/_mock/wait?count=1&timeout_ms=100&writeKey=wk-w&type=alias");
    CHECK(filtered->status == 408);
    CHECK(c.Get("/_mock/wait?count=0")->status == 400);
}

TEST_CASE("reset clears everything or one write key", "[admin][reset]") {
    test::TestServer srv;
    srv.post("/v1/track", "wk-1", R"({"userId":"u"})");
    srv.post("/v1/track", "wk-2", R"({"userId":"u"})");
    auto c = srv.client();
    auto one = c.Post("/_mock/reset?writeKey=wk-1", "", "application/json");
    CHECK(one->status == 200);
    CHECK(json::parse(one->body)["events_removed"] == 1);
    CHECK(srv.admin_json("/_mock/events")["events"].size() == 1);
    CHECK(c.Post("/_mock/reset", "", "application/json")->status == 200);
    CHECK(srv.admin_json("/_mock/events")["events"].empty());
    CHECK(srv.admin_json("/_mock/requests")["requests"].empty());
    CHECK(c.Get("/_mock/reset")->status == 404);
}

TEST_CASE("stats count by type - status and key", "[admin][stats]") {
    test::TestServer srv;
    srv.post("/v1/batch", "wk-s", test::fixture("events/batch_mixed.json"));
    srv.post("/v1/track", "wk-s", "{");
    json s = srv.admin_json("/_mock/stats");
    CHECK(s["events"] == 3);
    CHECK(s["requests"] == 2);
    CHECK(s["events_by_type"]["track"] == 1);
    CHECK(s["requests_by_status"]["400"] == 1);
    CHECK(s["events_by_write_key"]["wk-s"] == 3);
    CHECK(s["events_per_second_last_minute"].get<double>() > 0);
}

TEST_CASE("stats tell the database size - its bounds and what was trimmed", "[admin][stats]") {
    Config cfg = test::TestServer::default_config();
    cfg.max_events = 2;
    cfg.max_db_mb = 64;
    cfg.retention_ms = 7LL * 86400 * 1000;
    test::TestServer srv(cfg);
    srv.post("/v1/batch", "wk-s", test::fixture("events/batch_mixed.json")); // 3 events
    json g = srv.admin_json("/_mock/stats")["storage"];
    CHECK(g["db_bytes"].get<int64_t>() > 0);
    CHECK(g["wal_bytes"].get<int64_t>() > 0);
    CHECK(g["max_db_bytes"] == 64 * 1024 * 1024);
    CHECK(g["retention_s"] == 7 * 86400);
    CHECK(g["max_events"] == 2);
    CHECK(g["trimmed_events"] == 1);
    CHECK(g["trimmed_requests"] == 0);
}

TEST_CASE("an admin token guards /_mock/* - not the gateway", "[admin][token]") {
    Config cfg = test::TestServer::default_config();
    cfg.admin_token = "s3cret";
    test::TestServer srv(cfg);
    auto c = srv.client();
    CHECK(c.Get("/_mock/events")->status == 401);
    CHECK(c.Get("/_mock/events", {{"Authorization", "Bearer wrong"}})->status == 401);
    CHECK(c.Get("/_mock/events", {{"Authorization", "Bearer s3cret"}})->status == 200);
    CHECK(srv.post("/v1/track", "wk", R"({"userId":"u"})")->status == 200);
    // Same length, one byte off; a prefix; the token plus one byte: all refused.
    CHECK(c.Get("/_mock/events", {{"Authorization", "Bearer s3creT"}})->status == 401);
    CHECK(c.Get("/_mock/events", {{"Authorization", "Bearer s3cre"}})->status == 401);
    CHECK(c.Get("/_mock/events", {{"Authorization", "Bearer s3cret!"}})->status == 401);
}

TEST_CASE("constant_time_equal is plain equality", "[admin][token]") {
    CHECK(constant_time_equal("", ""));
    CHECK(constant_time_equal("Bearer abc", "Bearer abc"));
    CHECK_FALSE(constant_time_equal("Bearer abd", "Bearer abc"));
    CHECK_FALSE(constant_time_equal("Bearer ab", "Bearer abc"));
    CHECK_FALSE(constant_time_equal("Bearer abc", "Bearer ab"));
    CHECK_FALSE(constant_time_equal("", "x"));
    CHECK_FALSE(constant_time_equal(std::string_view("a\0", 2), "a"));
}

TEST_CASE("redact flag: the journal keeps <redacted> for the named headers", "[admin][redact]") {
    Config cfg = test::TestServer::default_config();
    cfg.redact_headers = {"authorization", "X-Secret"};
    test::TestServer srv(cfg);
    auto c = srv.client();
    httplib::Headers h = {
        {"Authorization", test::basic("wk-r")}, {"X-Secret", "hush"}, {"X-Other", "shown"}};
    REQUIRE(c.Post("/v1/track", h, R"({"userId":"u"})", "application/json")->status == 200);
    json got = srv.admin_json("/_mock/requests");
    REQUIRE(got["requests"].size() == 1);
    const json& row = got["requests"][0];
    CHECK(row["write_key"] == "wk-r"); // authentication used the real header
    CHECK(row["headers"]["Authorization"] == "<redacted>");
    CHECK(row["headers"]["X-Secret"] == "<redacted>");
    CHECK(row["headers"]["X-Other"] == "shown");
    CHECK(srv.admin_json("/_mock/events?writeKey=wk-r")["events"].size() == 1);
}

TEST_CASE("repeated messageIds are marked - not dropped", "[admin][duplicates]") {
    test::TestServer srv;
    srv.post("/v1/track", "wk-d", test::fixture("events/track.json"));
    srv.post("/v1/track", "wk-d", test::fixture("events/track.json"));
    json got = srv.admin_json("/_mock/events?writeKey=wk-d");
    REQUIRE(got["events"].size() == 2);
    CHECK(got["events"][0]["duplicate_of"].is_null());
    CHECK(got["events"][1]["duplicate_of"] == got["events"][0]["id"]);
}

TEST_CASE("request rows decode the browser SDK's headers - deliveries show its retry headers",
          "[admin][browser_headers]") {
    test::TestServer srv;
    auto c = srv.client();
    const std::string event = R"({"anonymousId":"anon-b1","event":"E","messageId":"m-b1"})";
    // base64("anon-b1"), as the SDK's toBase64 sends it.
    httplib::Headers first = {{"Authorization", test::basic("wk-b")},
                              {"AnonymousId", "YW5vbi1iMQ=="},
                              {"SentAt", "2026-08-01T10:00:00.000Z"}};
    httplib::Headers retry = first;
    retry.emplace("Rsa-Retry-Attempt", "1");
    retry.emplace("Rsa-Since-Last-Attempt", "1003");
    retry.emplace("Rsa-Since-First-Attempt", "1003");
    retry.emplace("Rsa-Retry-Reason", "server-503");
    c.Put("/_mock/faults",
          R"({"rules":[{"id":"once","match":{"route":"/v1/track"},"trigger":{"first":1},)"
          R"("effect":{"status":503}}]})",
          "application/json");
    CHECK(c.Post("/v1/track", first, event, "text/plain")->status == 503);
    CHECK(c.Post("/v1/track", retry, event, "text/plain")->status == 200);
    c.Post("/v1/track", {{"Authorization", test::basic("wk-plain")}}, R"({"userId":"u"})",
           "application/json");
    json rows = srv.admin_json("/_mock/requests?writeKey=wk-b")["requests"];
    REQUIRE(rows.size() == 2);
    CHECK(rows[0]["browser"] == json::parse(R"({"anonymous_id_header":"anon-b1",)"
                                            R"("sent_at":"2026-08-01T10:00:00.000Z"})"));
    CHECK(rows[1]["browser"]["anonymous_id_header"] == "anon-b1");
    CHECK(rows[1]["browser"]["retry_attempt"] == 1);
    CHECK(rows[1]["browser"]["since_last_attempt_ms"] == 1003);
    CHECK(rows[1]["browser"]["since_first_attempt_ms"] == 1003);
    CHECK(rows[1]["browser"]["retry_reason"] == "server-503");
    CHECK(srv.admin_json("/_mock/requests?writeKey=wk-plain")["requests"][0]["browser"].is_null());
    json d = srv.admin_json("/_mock/deliveries?writeKey=wk-b")["deliveries"];
    REQUIRE(d.size() == 1);
    CHECK(d[0]["outcome"] == "delivered");
    REQUIRE(d[0]["attempts"].size() == 2);
    CHECK(d[0]["attempts"][0]["retry_headers"].empty());
    const json& again = d[0]["attempts"][1]["retry_headers"];
    CHECK(again["Rsa-Retry-Attempt"] == "1");
    CHECK(again["Rsa-Since-Last-Attempt"] == "1003");
    CHECK(again["Rsa-Since-First-Attempt"] == "1003");
    CHECK(again["Rsa-Retry-Reason"] == "server-503");
}
