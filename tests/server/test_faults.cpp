// Fault injection over loopback: statuses, delays and connection faults seen by real
// clients, the journal's fault field, the admin routes, and deliveries.
#include "support/test_server.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace rm;
using nlohmann::json;

namespace {
const std::string k_track = R"({"userId":"u1","event":"Clicked","messageId":"m-1"})";

void put_plan(const test::TestServer& srv, const std::string& plan) {
    auto c = srv.client();
    auto res = c.Put("/_mock/faults", plan, "application/json");
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 200);
}

int status_of(const httplib::Result& r) {
    return r ? r->status : -1;
}

// One request on a fresh connection: what the client saw (bytes, and how the read ended).
struct RawOutcome {
    std::string bytes;
    int error = 0; // errno of the failing recv (ECONNRESET), 0 for a clean close
    bool timed_out = false;
};

RawOutcome raw_request(int port, const std::string& write_key, int timeout_ms) {
    std::string body = k_track;
    std::string req =
        "POST /v1/track HTTP/1.1\r\nHost: x\r\nAuthorization: " + test::basic(write_key) +
        "\r\nContent-Type: application/json\r\n" +
        "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
    RawOutcome out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        pollfd p{fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, static_cast<int>(left)) == 0) {
            out.timed_out = true;
            break;
        }
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0) {
            out.error = errno;
            break;
        }
        if (n == 0) {
            break;
        }
        out.bytes.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    return out;
}

json journal(const test::TestServer& srv, const std::string& query) {
    return srv.admin_json("/_mock/requests?" + query)["requests"];
}
} // namespace

TEST_CASE("a status fault answers like a real error - stores nothing - and is journaled",
          "[faults]") {
    test::TestServer srv;
    put_plan(srv, R"({"rules":[{"id":"r1","match":{"route":"/v1/*"},"trigger":{"first":1},
                      "effect":{"status":429,"headers":{"Retry-After":"1"}}}]})");
    auto first = srv.post("/v1/track", "wk", k_track);
    REQUIRE(status_of(first) == 429);
    CHECK(first->body == "max requests limit reached\n");
    CHECK(first->get_header_value("Retry-After") == "1");
    CHECK(first->get_header_value("Content-Type") == "text/plain; charset=utf-8");
    CHECK(first->get_header_value("X-Content-Type-Options") == "nosniff");
    CHECK(srv.admin_json("/_mock/events")["events"].empty());
    CHECK(status_of(srv.post("/v1/track", "wk", k_track)) == 200);
    CHECK(srv.admin_json("/_mock/events")["events"].size() == 1);

    json faulted = journal(srv, "fault=r1");
    REQUIRE(faulted.size() == 1);
    CHECK(faulted[0]["status"] == 429);
    CHECK(faulted[0]["event_count"] == 0);
    CHECK(faulted[0]["body"] == k_track); // the journal has the body and the key
    CHECK(faulted[0]["write_key"] == "wk");
    CHECK(faulted[0]["fault"] ==
          json::parse(R"({"rule":"r1","status":429,"delay_ms":0,"connection":null})"));
    CHECK(faulted[0]["reason"] == "fault 'r1': max requests limit reached");
    CHECK(journal(srv, "fault=any").size() == 1);
    CHECK(journal(srv, "fault=other").empty());
    json all = journal(srv, "");
    REQUIRE(all.size() == 2);
    CHECK(all[1]["fault"].is_null());
}

TEST_CASE("default fault bodies follow the profile - a given body wins", "[faults]") {
    auto config = test::TestServer::default_config();
    config.profile = Profile::rudder_legacy;
    test::TestServer srv(config);
    put_plan(srv, R"({"rules":[{"match":{"write_key":"k401"},"effect":{"status":401}},
                      {"match":{"write_key":"k500"},"effect":{"status":500}},
                      {"match":{"write_key":"k418"},"effect":{"status":418,"body":"teapot"}}]})");
    auto r401 = srv.post("/v1/track", "k401", k_track);
    CHECK(status_of(r401) == 401);
    CHECK(r401->body == "Invalid Write Key\n"); // the legacy wording of the profile
    auto r500 = srv.post("/v1/track", "k500", k_track);
    CHECK(status_of(r500) == 500);
    CHECK(r500->body == "Internal Server Error\n");
    auto r418 = srv.post("/v1/track", "k418", k_track);
    CHECK(status_of(r418) == 418);
    CHECK(r418->body == "teapot");
    CHECK(status_of(srv.post("/v1/track", "fine", k_track)) == 200);
    // A 401 fault on a valid key is named as a fault in the journal.
    CHECK(journal(srv, "writeKey=k401")[0]["reason"] == "fault 'r1': Invalid Write Key");
}

TEST_CASE("faults apply after auth: a missing key is still the gateway's own 401", "[faults]") {
    test::TestServer srv;
    put_plan(srv, R"({"rules":[{"effect":{"status":503}}]})");
    auto c = srv.client();
    auto res = c.Post("/v1/track", k_track, "application/json");
    CHECK(status_of(res) == 401);
    CHECK(journal(srv, "fault=any").empty());
}

TEST_CASE("a delay-only rule delays - then the request is stored as usual", "[faults]") {
    test::TestServer srv;
    put_plan(srv, R"({"rules":[{"id":"slow","effect":{"delay_ms":300}}]})");
    auto start = std::chrono::steady_clock::now();
    auto res = srv.post("/v1/track", "wk", k_track);
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(status_of(res) == 200);
    CHECK(took >= std::chrono::milliseconds(300));
    CHECK(srv.admin_json("/_mock/events")["events"].size() == 1);
    json j = journal(srv, "fault=slow");
    REQUIRE(j.size() == 1);
    CHECK(j[0]["status"] == 200);
    CHECK(j[0]["fault"]["delay_ms"] == 300);
    CHECK(j[0]["fault"]["status"].is_null());
}

TEST_CASE("connection faults as a real client sees them", "[faults]") {
    test::TestServer srv;
    SECTION("reset: the client gets a connection reset, no answer") {
        put_plan(srv, R"({"rules":[{"id":"rst","effect":{"connection":"reset"}}]})");
        RawOutcome out = raw_request(srv.port(), "wk", 3000);
        CHECK(out.bytes.empty());
        CHECK(out.error == ECONNRESET);
    }
    SECTION("close: the connection ends without an answer") {
        put_plan(srv, R"({"rules":[{"id":"cls","effect":{"connection":"close"}}]})");
        RawOutcome out = raw_request(srv.port(), "wk", 3000);
        CHECK(out.bytes.empty());
        CHECK_FALSE(out.timed_out);
    }
    SECTION("truncate: status line and headers, then half the body") {
        put_plan(srv, R"({"rules":[{"id":"cut","effect":{"connection":"truncate"}}]})");
        RawOutcome out = raw_request(srv.port(), "wk", 3000);
        CHECK(out.bytes.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
        CHECK(out.bytes.find("Content-Length: 2\r\n") != std::string::npos);
        CHECK(out.bytes.substr(out.bytes.find("\r\n\r\n") + 4) == "o"); // of "ok"
        auto c = srv.client(); // the library's client reports the short read as an error
        CHECK_FALSE(c.Post("/v1/track", {{"Authorization", test::basic("wk")}}, k_track,
                           "application/json"));
    }
    SECTION("hang: no answer until the client gives up; others are served meanwhile") {
        put_plan(srv, R"({"rules":[{"id":"hang","match":{"write_key":"slow"},
                          "effect":{"connection":"hang"}}]})");
        std::thread hung([&] {
            RawOutcome out = raw_request(srv.port(), "slow", 1500);
            CHECK(out.timed_out);
            CHECK(out.bytes.empty());
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        auto start = std::chrono::steady_clock::now();
        CHECK(status_of(srv.post("/v1/track", "fast", k_track)) == 200);
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1000));
        hung.join();
    }
    // Journaled with status 0 and the fault, and nothing stored.
    json j = journal(srv, "fault=any");
    REQUIRE(j.size() >= 1);
    CHECK(j[0]["status"] == 0);
    CHECK(j[0]["fault"]["connection"].is_string());
    CHECK(srv.admin_json("/_mock/events?writeKey=wk")["events"].empty());
    CHECK(srv.admin_json("/_mock/events?writeKey=slow")["events"].empty());
}

TEST_CASE("the same plan and request sequence give the same faults", "[faults]") {
    const std::string plan = R"({"seed":11,"rules":[
        {"id":"p","match":{"route":"/v1/batch"},"trigger":{"probability":0.5},
         "effect":{"status":503}}]})";
    const std::string batch = R"({"batch":[{"type":"track","userId":"u","event":"e"}]})";
    auto run = [&](bool noise) {
        test::TestServer srv;
        put_plan(srv, plan);
        std::vector<int> statuses;
        for (int i = 0; i < 24; ++i) {
            if (noise) { // other routes in between do not shift the batch rule's draws
                srv.post("/v1/track", "wk", k_track);
                srv.post("/v1/page", "wk", R"({"userId":"u","name":"p"})");
            }
            statuses.push_back(status_of(srv.post("/v1/batch", "wk", batch)));
        }
        return statuses;
    };
    auto a = run(false);
    auto b = run(false);
    auto c = run(true);
    CHECK(a == b);
    CHECK(a == c);
    CHECK(std::count(a.begin(), a.end(), 503) > 0);
    CHECK(std::count(a.begin(), a.end(), 200) > 0);
}

TEST_CASE("fault admin routes: get - replace - delete - a bad plan keeps the old one", "[faults]") {
    test::TestServer srv;
    auto c = srv.client();
    json none = srv.admin_json("/_mock/faults");
    CHECK(none["active"] == false);
    CHECK(none["plan"].is_null());
    put_plan(srv, R"({"seed":3,"rules":[{"id":"a","trigger":{"every":2},
                      "effect":{"status":500}}]})");
    srv.post("/v1/track", "wk", k_track);
    srv.post("/v1/track", "wk", k_track);
    srv.post("/v1/track", "wk", k_track);
    json got = srv.admin_json("/_mock/faults");
    CHECK(got["active"] == true);
    CHECK(got["plan"]["seed"] == 3);
    CHECK(got["plan"]["rules"][0]["id"] == "a");
    CHECK(got["rules"][0]["matched"] == 3);
    CHECK(got["rules"][0]["fired"] == 1);

    auto bad = c.Put("/_mock/faults", R"({"rules":[{"trigger":{"probability":2},
                                          "effect":{"status":500}}]})",
                     "application/json");
    REQUIRE(bad);
    CHECK(bad->status == 400);
    CHECK(json::parse(bad->body)["error"] ==
          "rules[0].trigger.probability: must be between 0 and 1");
    CHECK(srv.admin_json("/_mock/faults")["rules"][0]["matched"] == 3); // old plan kept
    CHECK(status_of(srv.post("/v1/track", "wk", k_track)) == 500);      // and still working

    put_plan(srv, R"({"rules":[{"id":"a","trigger":{"every":2},"effect":{"status":500}}]})");
    CHECK(srv.admin_json("/_mock/faults")["rules"][0]["matched"] == 0); // counters restart

    auto del = c.Delete("/_mock/faults");
    REQUIRE(del);
    CHECK(del->status == 200);
    CHECK(srv.admin_json("/_mock/faults")["active"] == false);
    CHECK(status_of(srv.post("/v1/track", "wk", k_track)) == 200);
}

TEST_CASE("quick flags and --faults FILE make the start-up plan", "[faults]") {
    auto config = test::TestServer::default_config();
    config.faults_file = test::fixtures_dir() + "/faults/503-twice-then-succeed.json";
    auto flag = parse_fail_flag("401:key=bad-key");
    REQUIRE(flag);
    config.fault_rules.push_back(*flag);
    test::TestServer srv(config);
    json got = srv.admin_json("/_mock/faults");
    REQUIRE(got["plan"]["rules"].size() == 2);
    CHECK(got["plan"]["rules"][1]["id"] == "fail 401:key=bad-key");
    CHECK(status_of(srv.post("/v1/track", "wk", k_track)) == 503);
    CHECK(status_of(srv.post("/v1/track", "wk", k_track)) == 503);
    CHECK(status_of(srv.post("/v1/track", "wk", k_track)) == 200);
    CHECK(status_of(srv.post("/v1/track", "bad-key", k_track)) == 401);
}

TEST_CASE("deliveries group attempts by messageIds and write key", "[faults]") {
    test::TestServer srv;
    put_plan(srv, R"({"rules":[{"id":"twice","match":{"write_key":"a"},"trigger":{"first":2},
                      "effect":{"status":503}}]})");
    const std::string batch =
        R"({"batch":[{"type":"track","userId":"u","event":"e","messageId":"x1-a-message-id-longer-than-sso"},
                     {"type":"track","userId":"u","event":"e","messageId":"x2-a-message-id-longer-than-sso"}]})";
    const std::string reordered =
        R"({"batch":[{"type":"track","userId":"u","event":"e","messageId":"x2-a-message-id-longer-than-sso"},
                     {"type":"track","userId":"u","event":"e","messageId":"x1-a-message-id-longer-than-sso"}]})";
    CHECK(status_of(srv.post("/v1/batch", "a", batch)) == 503);
    CHECK(status_of(srv.post("/v1/batch", "a", batch)) == 503);
    CHECK(status_of(srv.post("/v1/batch", "a", reordered)) == 200); // the same set
    // Another key with the same ids is another delivery; sent twice, both accepted.
    CHECK(status_of(srv.post("/v1/batch", "b", batch)) == 200);
    CHECK(status_of(srv.post("/v1/batch", "b", batch)) == 200);
    // A delivery that never got through.
    put_plan(srv, R"({"rules":[{"match":{"write_key":"c"},"effect":{"status":400}}]})");
    CHECK(status_of(srv.post("/v1/track", "c", k_track)) == 400);

    json all = srv.admin_json("/_mock/deliveries");
    CHECK(all["summary"] ==
          json::parse(R"({"deliveries":3,"delivered":1,"duplicated":1,"failed":1})"));
    json a = srv.admin_json("/_mock/deliveries?writeKey=a");
    REQUIRE(a["deliveries"].size() == 1);
    const json& d = a["deliveries"][0];
    CHECK(d["outcome"] == "delivered");
    CHECK(d["message_count"] == 2);
    // As the first attempt sent them (ids longer than a short string once made it bind freed
    // memory).
    CHECK(d["message_ids"] == json::parse(R"(["x1-a-message-id-longer-than-sso",
                                                "x2-a-message-id-longer-than-sso"])"));
    REQUIRE(d["attempts"].size() == 3);
    CHECK(d["attempts"][0]["status"] == 503);
    CHECK(d["attempts"][0]["fault"]["rule"] == "twice");
    CHECK(d["attempts"][0]["since_previous_ms"].is_null());
    CHECK(d["attempts"][1]["since_previous_ms"].get<int64_t>() >= 0);
    CHECK(d["attempts"][2]["status"] == 200);
    CHECK(srv.admin_json("/_mock/deliveries?outcome=duplicated")["deliveries"][0]["write_key"] ==
          "b");
    json failed = srv.admin_json("/_mock/deliveries?outcome=failed");
    REQUIRE(failed["deliveries"].size() == 1);
    CHECK(failed["deliveries"][0]["attempts"].size() == 1);
    CHECK(srv.admin_json("/_mock/deliveries?writeKey=c")["summary"]["failed"] == 1);
    auto c = srv.client();
    CHECK(c.Get("/_mock/deliveries?outcome=lost")->status == 400);
}

TEST_CASE("retry headers of an attempt are shown with the delivery", "[faults]") {
    test::TestServer srv;
    auto c = srv.client();
    httplib::Headers h = {{"Authorization", test::basic("wk")}, {"X-Retry-Count", "2"}};
    c.Post("/v1/track", h, k_track, "application/json");
    json d = srv.admin_json("/_mock/deliveries")["deliveries"][0];
    CHECK(d["attempts"][0]["retry_headers"]["X-Retry-Count"] == "2");
}

TEST_CASE("rate limit per write key - with Retry-After", "[faults]") {
    auto config = test::TestServer::default_config();
    config.rate_limit = RateLimitConfig{2, 10000};
    config.rate_limit_by_write_key = true;
    config.rate_limit_retry_after = true;
    test::TestServer srv(config);
    CHECK(status_of(srv.post("/v1/track", "k1", k_track)) == 200);
    CHECK(status_of(srv.post("/v1/track", "k1", k_track)) == 200);
    auto limited = srv.post("/v1/track", "k1", k_track);
    REQUIRE(status_of(limited) == 429);
    int retry = std::stoi(limited->get_header_value("Retry-After"));
    CHECK(retry >= 1);
    CHECK(retry <= 5); // one event's worth refills in 5 s
    CHECK(status_of(srv.post("/v1/track", "k2", k_track)) == 200); // its own bucket
}
