// Hostile and broken input: each gets its answer (or a clean close), nothing is stored as an
// event, the journal has the request where one was read, and the server keeps serving.
#include "support/test_server.hpp"
#include "util/gzip.hpp"

#include <catch2/catch.hpp>
#include <thread>

using namespace rm;
using nlohmann::json;

namespace {
size_t event_count(const test::TestServer& srv) {
    return srv.admin_json("/_mock/events?limit=10000")["events"].size();
}

bool still_serving(const test::TestServer& srv) {
    auto r = srv.post("/v1/track", "wk-alive", R"({"userId":"alive"})");
    return r && r->status == 200 && r->body == "ok";
}

std::string http_request(const std::string& path, const std::string& body,
                         const std::string& extra_headers = "") {
    return "POST " + path + " HTTP/1.1\r\nHost: t\r\nAuthorization: " + test::basic("wk") +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n" + extra_headers + "\r\n" + body;
}
} // namespace

TEST_CASE("malformed JSON and invalid UTF-8 are 400 invalid json", "[bad]") {
    test::TestServer srv;
    for (std::string body : {std::string("{\"userId\":"), std::string("{'userId':'a'}"),
                             std::string("{\"userId\":\"a\xc3\x28\"}"),
                             std::string("{\"userId\":\"\xed\xa0\x80\"}"), // a surrogate
                             std::string("{\"userId\":\"a\"}{}")}) {
        auto r = srv.post("/v1/track", "wk", body);
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(r->body == "invalid json\n");
    }
    CHECK(event_count(srv) == 0);
    CHECK(srv.admin_json("/_mock/requests?status=400")["requests"].size() == 5);
    CHECK(still_serving(srv));
}

TEST_CASE("100000-deep nesting is refused without harm", "[bad]") {
    test::TestServer srv;
    std::string deep =
        "{\"userId\":\"u\",\"p\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
    auto r = srv.post("/v1/track", "wk", deep);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->body == "invalid json\n");
    std::string open_only(100000, '{');
    CHECK(srv.post("/v1/batch", "wk", open_only)->status == 400);
    CHECK(event_count(srv) == 0);
    CHECK(still_serving(srv));
}

TEST_CASE("deep but legal nesting on every route is handled without recursion", "[bad]") {
    test::TestServer srv;
    auto c = srv.client();
    std::string deep = std::string(9000, '[') + std::string(9000, ']');
    auto hook = c.Post("/v1/webhook?writeKey=wk-deep", deep, "application/json");
    CHECK(hook->status == 200);
    auto batch = c.Post("/internal/v1/batch", "[" + deep + "]", "application/json");
    CHECK(batch->status == 400);
    auto track = srv.post("/v1/track", "wk-deep", R"({"userId":"u","p":)" + deep + "}");
    CHECK(track->status == 200);
    std::string dots;
    for (int i = 0; i < 3000; ++i) { // the URI limit of the HTTP library is 8 KiB
        dots += "a.";
    }
    auto pixel = c.Get(("/pixel/v1/page?writeKey=wk-deep&anonymousId=a&" + dots + "x=1").c_str());
    CHECK(pixel->status == 200);
    auto got = srv.admin_json("/_mock/events?writeKey=wk-deep");
    CHECK(got["events"].size() == 3);
    CHECK(still_serving(srv));
}

TEST_CASE("a gzip bomb is cut off and answered 413", "[bad][gzip]") {
    test::TestServer srv;
    std::string inner = "{\"userId\":\"u\",\"p\":\"" + std::string(200 * 1024 * 1024, 'a') + "\"}";
    std::string bomb = gzip_compress(inner);
    inner.clear();
    inner.shrink_to_fit();
    auto c = srv.client();
    httplib::Headers h = {{"Authorization", test::basic("wk")}, {"Content-Encoding", "gzip"}};
    auto r = c.Post("/v1/track", h, bomb, "application/json");
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(r->body == "request size exceeds max limit\n");
    CHECK(event_count(srv) == 1 - 1);
    CHECK(srv.admin_json("/_mock/requests?status=413")["requests"].size() == 1);
    CHECK(still_serving(srv));
}

TEST_CASE("a body that is not gzip under Content-Encoding: gzip is a 500", "[bad][gzip]") {
    test::TestServer srv;
    std::string reply = test::raw_exchange(
        srv.port(), http_request("/v1/track", R"({"userId":"u"})",
                                 "Content-Encoding: gzip\r\nConnection: close\r\n"));
    CHECK(reply.rfind("HTTP/1.1 500", 0) == 0);
    CHECK(reply.find("failed to read body from request\n") != std::string::npos);
    CHECK(event_count(srv) == 0);
    CHECK(still_serving(srv));
}

TEST_CASE("headers over 512 KiB get 431", "[bad][headers]") {
    test::TestServer srv;
    std::string headers;
    for (int i = 0; i < 140; ++i) {
        headers += "X-Filler-" + std::to_string(i) + ": " + std::string(4000, 'h') + "\r\n";
    }
    std::string reply =
        test::raw_exchange(srv.port(), http_request("/v1/track", R"({"userId":"u"})",
                                                    headers + "Origin: http://app.test\r\n"
                                                              "Connection: close\r\n"));
    CHECK(reply.rfind("HTTP/1.1 431", 0) == 0);
    CHECK(reply.find("\r\n\r\n431 Request Header Fields Too Large") != std::string::npos);
    CHECK(reply.find("Access-Control-Allow-Origin") == std::string::npos);
    CHECK(srv.admin_json("/_mock/requests?status=431")["requests"].size() == 1);
    CHECK(event_count(srv) == 0);
    CHECK(still_serving(srv));
}

TEST_CASE("a body far over the limit is refused - the connection stays usable", "[bad][size]") {
    test::TestServer srv;
    test::RawConnection conn(srv.port());
    std::string huge(40 * 1024 * 1024, 'x'); // well past the 16 MiB read cap
    conn.send_all("POST /v1/track HTTP/1.1\r\nHost: t\r\nAuthorization: " + test::basic("wk") +
                  "\r\nContent-Length: " + std::to_string(huge.size()) + "\r\n\r\n" + huge);
    std::string reply = conn.read_response(20000);
    CHECK(reply.rfind("HTTP/1.1 413", 0) == 0);
    CHECK(reply.find("request size exceeds max limit\n") != std::string::npos);
    // Chunked, no length announced: cut off while reading.
    std::string chunked =
        "POST /v1/batch HTTP/1.1\r\nHost: t\r\nAuthorization: " + test::basic("wk") +
        "\r\nTransfer-Encoding: chunked\r\n\r\n";
    std::string chunk(1024 * 1024, 'y');
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
    for (int i = 0; i < 20; ++i) {
        chunked += size_line + chunk + "\r\n";
    }
    conn.send_all(chunked + "0\r\n\r\n");
    CHECK(conn.read_response(20000).rfind("HTTP/1.1 413", 0) == 0);
    conn.send_all(http_request("/v1/track", R"({"userId":"u"})"));
    CHECK(conn.read_response().rfind("HTTP/1.1 200", 0) == 0);
    CHECK(event_count(srv) == 1);
    CHECK(srv.admin_json("/_mock/requests?status=413")["requests"].size() == 2);
}

TEST_CASE("a client that disconnects mid-body stores nothing", "[bad][disconnect]") {
    test::TestServer srv;
    std::string head = "POST /v1/batch HTTP/1.1\r\nHost: t\r\nAuthorization: " + test::basic("wk") +
                       "\r\nContent-Length: 5000\r\n\r\n{\"batch\":[{\"userId\":\"u\"}";
    test::raw_exchange(srv.port(), head, 2000, true);
    // The journal has the request, refused as unreadable; no event was stored.
    json journal;
    for (int i = 0; i < 100; ++i) {
        journal = srv.admin_json("/_mock/requests?status=500");
        if (!journal["requests"].empty()) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(journal["requests"].size() == 1);
    CHECK(journal["requests"][0]["reason"] == "failed to read body from request");
    CHECK(event_count(srv) == 0);
    CHECK(still_serving(srv));
}

TEST_CASE("keep-alive stays in step after refused requests", "[bad][keepalive]") {
    test::TestServer srv;
    test::RawConnection conn(srv.port());
    // Refused before its body is read: the body must still be consumed.
    conn.send_all("POST /v1/track HTTP/1.1\r\nHost: t\r\nContent-Length: 14\r\n\r\n"
                  "{\"userId\":\"u\"}");
    CHECK(conn.read_response().rfind("HTTP/1.1 401", 0) == 0);
    conn.send_all("POST /nowhere HTTP/1.1\r\nHost: t\r\nContent-Length: 14\r\n\r\n"
                  "{\"userId\":\"u\"}");
    CHECK(conn.read_response().rfind("HTTP/1.1 404", 0) == 0);
    conn.send_all(http_request("/v1/track", R"({"userId":"u"})"));
    CHECK(conn.read_response().rfind("HTTP/1.1 200", 0) == 0);
    CHECK(event_count(srv) == 1);
}

TEST_CASE("more gateway requests in flight than allowed get 503", "[bad][inflight]") {
    Config cfg = test::TestServer::default_config();
    cfg.max_in_flight = 1;
    test::TestServer srv(cfg);
    // The first request stays in flight: its body is still coming.
    test::RawConnection slow(srv.port());
    slow.send_all("POST /v1/track HTTP/1.1\r\nHost: t\r\nAuthorization: " + test::basic("wk") +
                  "\r\nContent-Length: 14\r\n\r\n{\"userId\"");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto refused = srv.post("/v1/track", "wk", R"({"userId":"u"})");
    REQUIRE(refused);
    CHECK(refused->status == 503);
    CHECK(refused->body == "Service Unavailable\n");
    CHECK(srv.admin_json("/_mock/stats")["events"] == 0); // the admin API is not limited
    slow.send_all(":\"u\"}");
    CHECK(slow.read_response().rfind("HTTP/1.1 200", 0) == 0);
    CHECK(still_serving(srv));
}
