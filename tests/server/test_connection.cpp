// The keep-alive loop (server/connection.hpp): pipelined requests, 100-continue, stopping.
#include "server/connection.hpp"

#include "support/test_server.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace rm;
using Clock = std::chrono::steady_clock;

namespace {
const std::string k_health = "GET /health HTTP/1.1\r\nHost: t\r\n\r\n";

std::string track_request(const std::string& write_key, const std::string& body,
                          const std::string& extra_headers = "") {
    return "POST /v1/track HTTP/1.1\r\nHost: t\r\nAuthorization: " + test::basic(write_key) +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n" + extra_headers + "\r\n" + body;
}

std::string track_body(int i) {
    return R"({"type":"track","userId":"u","event":"e)" + std::to_string(i) + R"("})";
}
} // namespace

TEST_CASE("requests sent in one write on one connection are all answered in order",
          "[connection]") {
    test::TestServer srv;
    test::RawConnection conn(srv.port());
    // cpp-httplib's own loop answered only the first: the rest sat in a buffer it dropped.
    conn.send_all(k_health + k_health + k_health);
    for (int i = 0; i < 3; ++i) {
        INFO("answer " << i);
        CHECK(conn.read_response(2000).rfind("HTTP/1.1 200", 0) == 0);
    }
    std::string three;
    for (int i = 0; i < 3; ++i) {
        three += track_request("pipelined", track_body(i));
    }
    conn.send_all(three);
    for (int i = 0; i < 3; ++i) {
        INFO("track " << i);
        CHECK(conn.read_response(2000).rfind("HTTP/1.1 200", 0) == 0);
    }
    auto events = srv.admin_json("/_mock/events?writeKey=pipelined")["events"];
    REQUIRE(events.size() == 3);
    CHECK(srv.admin_json("/_mock/events?writeKey=pipelined&event=e2")["events"].size() == 1);
}

TEST_CASE("Expect: 100-continue is answered before the body is sent", "[connection]") {
    test::TestServer srv;
    test::RawConnection conn(srv.port());
    const std::string body = track_body(7);
    std::string request = track_request("continue", body, "Expect: 100-continue\r\n");
    request.resize(request.size() - body.size()); // the head only
    conn.send_all(request);
    // The interim answer must go out while the server waits for the body.
    CHECK(conn.read_response(2000).rfind("HTTP/1.1 100 Continue\r\n\r\n", 0) == 0);
    conn.send_all(body);
    CHECK(conn.read_response(2000).rfind("HTTP/1.1 200", 0) == 0);
    CHECK(srv.admin_json("/_mock/events?writeKey=continue")["events"].size() == 1);
}

TEST_CASE("a request that arrives in pieces is answered once complete", "[connection]") {
    test::TestServer srv;
    test::RawConnection conn(srv.port());
    const std::string request = track_request("pieces", track_body(1)) + k_health;
    for (size_t at = 0; at < request.size(); at += 17) {
        conn.send_all(request.substr(at, 17));
    }
    CHECK(conn.read_response(2000).rfind("HTTP/1.1 200", 0) == 0);
    CHECK(conn.read_response(2000).rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("stopping the server does not wait for idle keep-alive connections", "[connection]") {
    test::TestServer srv;
    std::vector<std::unique_ptr<test::RawConnection>> idle;
    for (int i = 0; i < 8; ++i) {
        idle.push_back(std::make_unique<test::RawConnection>(srv.port()));
        idle.back()->send_all(k_health);
        REQUIRE(idle.back()->read_response().rfind("HTTP/1.1 200", 0) == 0);
    }
    const auto start = Clock::now();
    srv.app().stop();
    const double took = std::chrono::duration<double>(Clock::now() - start).count();
    CHECK(took < 0.5); // the library's loop waited out the 2 s keep-alive time-out
    for (auto& c : idle) {
        CHECK(c->read_response(1000).empty()); // closed, nothing sent
    }
}
