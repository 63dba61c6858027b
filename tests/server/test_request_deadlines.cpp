#include "server/request_deadlines.hpp"

#include "support/test_server.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace rm;
using Clock = std::chrono::steady_clock;

namespace {
const std::string k_track = R"({"type":"track","userId":"u","event":"e"})";

int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    return fd;
}

// Clients that send `first`, then `drip` every 200 ms, until the server closes on them.
// Returns how long each lasted, in seconds (or `give_up` when never cut off).
std::vector<double> drip_until_cut(int port, int clients, const std::string& first,
                                   const std::string& drip, double give_up) {
    std::vector<int> fds;
    for (int i = 0; i < clients; ++i) {
        fds.push_back(connect_to(port));
        send(fds.back(), first.data(), first.size(), MSG_NOSIGNAL);
    }
    const auto start = Clock::now();
    std::vector<double> lasted(fds.size(), give_up);
    std::vector<bool> open(fds.size(), true);
    auto next_drip = start;
    for (;;) {
        const double now = std::chrono::duration<double>(Clock::now() - start).count();
        bool any = false;
        for (size_t i = 0; i < fds.size(); ++i) {
            if (!open[i]) {
                continue;
            }
            pollfd p{fds[i], POLLIN, 0};
            char buf[4096];
            if (poll(&p, 1, 0) > 0 && recv(fds[i], buf, sizeof buf, 0) <= 0) {
                open[i] = false;
                lasted[i] = now;
                continue;
            }
            any = true;
        }
        if (!any || now >= give_up) {
            break;
        }
        if (Clock::now() >= next_drip) {
            for (size_t i = 0; i < fds.size(); ++i) {
                if (open[i]) {
                    send(fds[i], drip.data(), drip.size(), MSG_NOSIGNAL);
                }
            }
            next_drip += std::chrono::milliseconds(200);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (int fd : fds) {
        close(fd);
    }
    return lasted;
}

Config short_deadlines() {
    Config c = test::TestServer::default_config();
    c.threads = 2;
    c.head_deadline_ms = 1000;
    c.body_deadline_ms = 1000;
    return c;
}
} // namespace

TEST_CASE("slow-header clients are cut off at the deadline, others are served meanwhile",
          "[request_deadlines]") {
    test::TestServer srv(short_deadlines());
    std::vector<double> lasted;
    std::thread slow([&] {
        // A header line every 200 ms: each read is quick, the head never ends.
        lasted = drip_until_cut(srv.port(), 20, "GET /health HTTP/1.1\r\nHost: t\r\n",
                                "X-Slow: 1\r\n", 8.0);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto start = Clock::now();
    auto res = srv.client().Get("/health");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(std::chrono::duration<double>(Clock::now() - start).count() < 0.5);
    slow.join();
    REQUIRE(lasted.size() == 20);
    for (double s : lasted) {
        CHECK(s > 0.5);
        CHECK(s < 3.0); // 1 s deadline; the per-read time-out alone never ends them
    }
    auto stats = srv.admin_json("/_mock/stats")["connections"];
    CHECK(stats["cut_slow"] == 20);
    CHECK(srv.admin_json("/_mock/requests")["requests"].size() == 1); // /health only
}

TEST_CASE("a body trickling in is cut off at the body deadline", "[request_deadlines]") {
    test::TestServer srv(short_deadlines());
    const std::string head =
        "POST /v1/track HTTP/1.1\r\nHost: t\r\nAuthorization: " + test::basic("wk") +
        "\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n";
    auto lasted = drip_until_cut(srv.port(), 3, head, " ", 8.0);
    for (double s : lasted) {
        CHECK(s > 0.5);
        CHECK(s < 3.0);
    }
    CHECK(srv.admin_json("/_mock/stats")["connections"]["cut_slow"] == 3);
}

TEST_CASE("a handler that takes longer than the deadlines is not cut off", "[request_deadlines]") {
    test::TestServer srv(short_deadlines());
    {
        auto admin = srv.client(); // closed at the end of the scope
        auto plan =
            admin.Put("/_mock/faults",
                      R"({"rules":[{"match":{"write_key":"late"},"effect":{"delay_ms":1500}}]})",
                      "application/json");
        REQUIRE(plan);
        INFO(plan->body);
        REQUIRE(plan->status == 200);
    }
    auto c = srv.client();
    auto res =
        c.Post("/v1/track", {{"Authorization", test::basic("late")}}, k_track, "application/json");
    REQUIRE(res);
    CHECK(res->status == 200);
    // The same connection, idle a moment and used again: each request gets its own deadline.
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    auto again = c.Get("/health");
    REQUIRE(again);
    CHECK(again->status == 200);
    CHECK(srv.admin_json("/_mock/stats")["connections"]["cut_slow"] == 0);
}
