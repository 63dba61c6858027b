// Tee mode (--forward): accepted requests are relayed in order to another data plane, survive
// an upstream outage and a restart, and the queue stays bounded.
#include "forward/forwarder.hpp"
#include "support/test_server.hpp"
#include "util/gzip.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace rm;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

// Polls until pred() holds or timeout_ms passes; returns pred().
template <typename Pred>
bool eventually(Pred pred, int timeout_ms = 2500) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!pred()) {
        if (Clock::now() >= deadline) {
            return pred();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

// A TCP socket on 127.0.0.1 that listens but never accepts: connections complete (the
// kernel's backlog) and requests are never answered.
class BlackHole {
  public:
    BlackHole() {
        m_fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        listen(m_fd, 16);
        socklen_t len = sizeof addr;
        getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len);
        m_port = ntohs(addr.sin_port);
    }
    ~BlackHole() { close(m_fd); }
    int port() const { return m_port; }

  private:
    int m_fd = -1;
    int m_port = 0;
};

// A port with nothing listening (taken from the kernel, then released).
int dead_port() {
    BlackHole h;
    return h.port();
}

// A stand-in upstream that records what it receives and answers 503 to the first
// `fail_first` requests, 400 to bodies containing "refuse", 200 otherwise.
struct FakeUpstream {
    struct Received {
        std::string method, path, query, authorization, content_encoding, body;
    };
    explicit FakeUpstream(int fail_first = 0) : failures_left(fail_first) {
        auto handler = [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(mutex);
            ++attempts;
            if (failures_left > 0) {
                --failures_left;
                res.status = 503;
                return;
            }
            std::string query;
            if (size_t q = req.target.find('?'); q != std::string::npos) {
                query = req.target.substr(q + 1);
            }
            got.push_back(Received{req.method, req.path, query,
                                   req.get_header_value("Authorization"),
                                   req.get_header_value("Content-Encoding"), req.body});
            res.status = req.body.find("refuse") != std::string::npos ? 400 : 200;
            res.set_content("OK", "text/plain");
        };
        server.Post(".*", handler);
        server.Get(".*", handler);
        port = server.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { server.listen_after_bind(); });
    }
    ~FakeUpstream() {
        server.stop();
        thread.join();
    }
    std::vector<Received> received() {
        std::lock_guard lock(mutex);
        return got;
    }
    int attempt_count() {
        std::lock_guard lock(mutex);
        return attempts;
    }

    httplib::Server server;
    std::thread thread;
    int port = 0;
    std::mutex mutex;
    int failures_left = 0;
    int attempts = 0;
    std::vector<Received> got;
};

Config forwarding_to(const std::string& url, int64_t queue = 10000) {
    Config c = test::TestServer::default_config();
    c.forward_url = url;
    c.forward_queue = queue;
    c.log_level = log::Level::error; // the retry warnings are expected here
    return c;
}

std::string local(int port, const std::string& base = "") {
    return "http://127.0.0.1:" + std::to_string(port) + base;
}

std::string track(int i, const std::string& name = "Step") {
    return R"({"userId":"u1","event":")" + name + R"(","properties":{"i":)" + std::to_string(i) +
           "}}";
}

json journal(test::TestServer& srv, const std::string& key) {
    return srv.admin_json("/_mock/requests?writeKey=" + key)["requests"];
}

} // namespace

TEST_CASE("accepted requests reach the upstream in order with their bodies and key", "[forward]") {
    test::TestServer upstream;
    test::TestServer srv(forwarding_to(local(upstream.port())));
    std::vector<std::string> bodies;
    for (int i = 0; i < 5; ++i) {
        bodies.push_back(track(i));
        REQUIRE(srv.post("/v1/track", "fw-a", bodies.back())->status == 200);
    }
    // gzip on the way in: the upstream gets the decoded body without Content-Encoding.
    const std::string zipped_body = track(5);
    bodies.push_back(zipped_body);
    {
        auto c = srv.client();
        httplib::Headers h = {{"Authorization", test::basic("fw-a")}, {"Content-Encoding", "gzip"}};
        REQUIRE(c.Post("/v1/track", h, gzip_compress(zipped_body), "application/json")->status ==
                200);
    }
    // A batch over 8 KiB (kept compressed in the journal) and a pixel GET with its query.
    json batch = {{"batch", json::array()}};
    for (int i = 0; i < 40; ++i) {
        batch["batch"].push_back({{"type", "track"},
                                  {"userId", "u1"},
                                  {"event", "Bulk"},
                                  {"properties", {{"pad", std::string(300, 'x')}}}});
    }
    bodies.push_back(batch.dump());
    REQUIRE(srv.post("/v1/batch", "fw-a", bodies.back())->status == 200);
    REQUIRE(srv.client().Get("/pixel/v1/track?writeKey=fw-a&anonymousId=p1&event=Pixel")->status ==
            200);
    // Refused locally: not forwarded.
    REQUIRE(srv.post("/v1/track", "fw-a", "{not json")->status == 400);

    json got = upstream.admin_json("/_mock/wait?writeKey=fw-a&count=47&timeout_ms=2500");
    REQUIRE(got["events"].size() == 47);
    REQUIRE(eventually([&] { return journal(upstream, "fw-a").size() == 8; }));
    json up = journal(upstream, "fw-a");
    for (size_t i = 0; i < bodies.size(); ++i) {
        CHECK(up[i]["body"] == bodies[i]);
        CHECK(up[i]["status"] == 200);
        CHECK(up[i]["headers"]["Authorization"] == test::basic("fw-a"));
        CHECK_FALSE(up[i]["headers"].contains("Content-Encoding"));
    }
    CHECK(up[7]["method"] == "GET");
    CHECK(up[7]["path"] == "/pixel/v1/track");
    CHECK(up[7]["query"] == "writeKey=fw-a&anonymousId=p1&event=Pixel");
    for (int i = 0; i < 6; ++i) {
        CHECK(got["events"][i]["payload"]["properties"]["i"] == i);
    }

    REQUIRE(eventually([&] {
        json mine = journal(srv, "fw-a");
        return mine.size() == 9 && mine[7]["forward_status"] == 200;
    }));
    json mine = journal(srv, "fw-a");
    for (int i = 0; i < 8; ++i) {
        CHECK(mine[i]["forward_status"] == 200);
    }
    CHECK(mine[8]["status"] == 400);
    CHECK(mine[8]["forward_status"].is_null());
    json stats = srv.admin_json("/_mock/stats")["forward"];
    CHECK(stats["url"] == local(upstream.port()));
    CHECK(stats["pending"] == 0);
    CHECK(stats["forwarded"] == 8);
    CHECK(stats["failed"] == 0);
    CHECK(stats["dropped"] == 0);
    CHECK_FALSE(upstream.admin_json("/_mock/stats").contains("forward"));
}

TEST_CASE("an upstream that is down never slows the gateway and its requests wait in order",
          "[forward]") {
    test::TestServer srv(forwarding_to(local(dead_port())));
    for (int i = 0; i < 3; ++i) {
        auto started = Clock::now();
        REQUIRE(srv.post("/v1/track", "fw-down", track(i))->status == 200);
        CHECK(Clock::now() - started < std::chrono::milliseconds(500));
    }
    json stats = srv.admin_json("/_mock/stats")["forward"];
    CHECK(stats["pending"] == 3);
    CHECK(stats["forwarded"] == 0);
    // The head's last attempt is noted: no connection.
    REQUIRE(eventually([&] { return journal(srv, "fw-down")[0]["forward_status"] == 0; }));
    CHECK(journal(srv, "fw-down")[1]["forward_status"].is_null());
}

TEST_CASE("after 503s the upstream gets every request once and in order and a 400 is final",
          "[forward]") {
    FakeUpstream upstream(2); // two 503s, then answers
    test::TestServer srv(forwarding_to(local(upstream.port, "/base/")));
    const std::vector<std::string> bodies = {track(0), track(1, "refuse"), track(2), track(3)};
    for (const auto& b : bodies) {
        auto started = Clock::now();
        REQUIRE(srv.post("/v1/track", "fw-flaky", b)->status == 200);
        CHECK(Clock::now() - started < std::chrono::milliseconds(500));
    }
    REQUIRE(eventually([&] { return upstream.received().size() == 4; }));
    auto got = upstream.received();
    for (size_t i = 0; i < bodies.size(); ++i) {
        CHECK(got[i].body == bodies[i]);
        CHECK(got[i].path == "/base/v1/track");
        CHECK(got[i].method == "POST");
        CHECK(got[i].authorization == test::basic("fw-flaky"));
    }
    CHECK(upstream.attempt_count() == 6); // 2 refused + 4, nothing sent twice
    REQUIRE(eventually([&] {
        json mine = journal(srv, "fw-flaky");
        return mine.size() == 4 && !mine[3]["forward_status"].is_null();
    }));
    json mine = journal(srv, "fw-flaky");
    CHECK(mine[0]["forward_status"] == 200);
    CHECK(mine[1]["forward_status"] == 400);
    CHECK(mine[2]["forward_status"] == 200);
    CHECK(mine[3]["forward_status"] == 200);
    json stats = srv.admin_json("/_mock/stats")["forward"];
    CHECK(stats["pending"] == 0);
    CHECK(stats["forwarded"] == 3);
    CHECK(stats["failed"] == 1);
}

TEST_CASE("a full forward queue drops the oldest requests the forwarder has not taken",
          "[forward]") {
    BlackHole upstream; // accepts connections, never answers
    auto started = Clock::now();
    {
        test::TestServer srv(forwarding_to(local(upstream.port()), 3));
        for (int i = 0; i < 6; ++i) {
            REQUIRE(srv.post("/v1/track", "fw-full", track(i))->status == 200);
        }
        json stats = srv.admin_json("/_mock/stats")["forward"];
        CHECK(stats["pending"] == 3);
        CHECK(stats["dropped"] == 3);
        // The two oldest are the forwarder's (one in flight); the newest replaced the others.
        json mine = journal(srv, "fw-full");
        REQUIRE(mine.size() == 6);
        CHECK(mine[0]["forward_status"].is_null());
        CHECK(mine[1]["forward_status"].is_null());
        CHECK(mine[2]["forward_status"] == -1);
        CHECK(mine[3]["forward_status"] == -1);
        CHECK(mine[4]["forward_status"] == -1);
        CHECK(mine[5]["forward_status"].is_null());
        // A reset forgets queued requests with their journal.
        REQUIRE(srv.client().Post("/_mock/reset?writeKey=fw-full", "", "text/plain")->status ==
                200);
        CHECK(srv.admin_json("/_mock/stats")["forward"]["pending"] == 0);
        CHECK(srv.admin_json("/_mock/stats")["forward"]["dropped"] == 3);
    }
    // Stopping aborts the send that would otherwise wait for its 10 s read timeout.
    CHECK(Clock::now() - started < std::chrono::seconds(3));
}

TEST_CASE("requests still queued at shutdown are delivered by the next run", "[forward]") {
    const auto dir =
        std::filesystem::temp_directory_path() / ("ruddermock-forward-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    const std::string db = (dir / "tee.db").string();
    {
        Config c = forwarding_to(local(dead_port()));
        c.db = db;
        test::TestServer first(c);
        for (int i = 0; i < 3; ++i) {
            REQUIRE(first.post("/v1/track", "fw-restart", track(i))->status == 200);
        }
        CHECK(first.admin_json("/_mock/stats")["forward"]["pending"] == 3);
    }
    {
        test::TestServer upstream;
        Config c = forwarding_to(local(upstream.port()));
        c.db = db;
        test::TestServer second(c);
        json got = upstream.admin_json("/_mock/wait?writeKey=fw-restart&count=3&timeout_ms=2500");
        REQUIRE(got["events"].size() == 3);
        for (int i = 0; i < 3; ++i) {
            CHECK(got["events"][i]["payload"]["properties"]["i"] == i);
        }
        REQUIRE(eventually(
            [&] { return second.admin_json("/_mock/stats")["forward"]["forwarded"] == 3; }));
        CHECK(second.admin_json("/_mock/stats")["forward"]["pending"] == 0);
        for (const auto& r : journal(second, "fw-restart")) {
            CHECK(r["forward_status"] == 200);
        }
    }
    // Without --forward the queue is neither filled nor shown.
    {
        Config c = test::TestServer::default_config();
        c.db = db;
        test::TestServer plain(c);
        REQUIRE(plain.post("/v1/track", "fw-restart", track(9))->status == 200);
        CHECK_FALSE(plain.admin_json("/_mock/stats").contains("forward"));
        CHECK(journal(plain, "fw-restart")[3]["forward_status"].is_null());
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("the forward URL must be http with a host", "[forward]") {
    auto ok = parse_forward_url("http://127.0.0.1:8081/base/");
    REQUIRE(ok);
    CHECK(ok->host == "127.0.0.1");
    CHECK(ok->port == 8081);
    CHECK(ok->base_path == "/base");
    auto plain = parse_forward_url("http://data-plane.local");
    REQUIRE(plain);
    CHECK(plain->port == 80);
    CHECK(plain->base_path.empty());
    auto v6 = parse_forward_url("http://[::1]:9000");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->port == 9000);
    for (const char* bad : {"https://h", "ftp://h", "127.0.0.1:8080", "http://", "http://:80",
                            "http://h:", "http://h:0", "http://h:70000", "http://h:8x",
                            "http://h/x?y=1", "http://u:p@h"}) {
        INFO(bad);
        CHECK_FALSE(parse_forward_url(bad));
    }

    auto config = parse_args({"--forward", "http://127.0.0.1:9/", "--forward-queue", "5"});
    REQUIRE(config);
    CHECK(config->forward_url == "http://127.0.0.1:9/");
    CHECK(config->forward_queue == 5);
    CHECK(parse_args({}).value().forward_url.empty());
    CHECK(parse_args({}).value().forward_queue == 10000);
    auto https = parse_args({"--forward", "https://x"});
    REQUIRE_FALSE(https);
    CHECK(https.error().message.find("http://") != std::string::npos);
    CHECK_FALSE(parse_args({"--forward-queue", "0"}));
    CHECK(usage_text().find("--forward URL") != std::string::npos);
    CHECK(usage_text().find("--forward-queue N") != std::string::npos);
}

TEST_CASE("forwarding to the server itself is refused at start", "[forward]") {
    CHECK(forwards_to_itself(*parse_forward_url("http://localhost:8080"), "127.0.0.1", 8080));
    CHECK(forwards_to_itself(*parse_forward_url("http://127.0.0.1:8080"), "0.0.0.0", 8080));
    CHECK_FALSE(forwards_to_itself(*parse_forward_url("http://127.0.0.1:8081"), "127.0.0.1", 8080));
    CHECK_FALSE(forwards_to_itself(*parse_forward_url("http://10.0.0.2:8080"), "127.0.0.1", 8080));
    const int port = dead_port();
    Config c = forwarding_to(local(port));
    c.port = port;
    CHECK_THROWS_WITH(test::TestServer(c), Catch::Contains("this server itself"));
}
