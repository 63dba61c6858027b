#include "server/worker_pool.hpp"

#include "support/test_server.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace rm;
using Clock = std::chrono::steady_clock;

namespace {
const std::string k_health = "GET /health HTTP/1.1\r\nHost: t\r\n\r\n";
const std::string k_track = R"({"type":"track","userId":"u","event":"e"})";

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Opens n keep-alive connections and has each answered once, so all are being served.
std::vector<std::unique_ptr<test::RawConnection>> open_served(int port, int n) {
    std::vector<std::unique_ptr<test::RawConnection>> conns;
    for (int i = 0; i < n; ++i) {
        conns.push_back(std::make_unique<test::RawConnection>(port));
        conns.back()->send_all(k_health);
    }
    for (auto& c : conns) {
        REQUIRE(c->read_response().rfind("HTTP/1.1 200", 0) == 0);
    }
    return conns;
}
} // namespace

TEST_CASE("the pool starts a thread per waiting job and lets idle ones go", "[worker_pool]") {
    ConnectionCounters counters;
    WorkerPoolOptions options;
    options.core_threads = 1;
    options.max_connections = 4;
    options.idle_exit = std::chrono::milliseconds(100);
    WorkerPool pool(options, counters);
    std::mutex m;
    std::condition_variable cv;
    bool release = false;
    int done = 0;
    for (int i = 0; i < 4; ++i) {
        pool.enqueue([&] {
            std::unique_lock lock(m);
            cv.wait(lock, [&] { return release; });
            ++done;
        });
    }
    // Four jobs that block: four threads, none waits for another.
    for (int i = 0; i < 200 && counters.open.load() < 4; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(counters.open.load() == 4);
    CHECK(pool.threads() == 4);
    {
        std::lock_guard lock(m);
        release = true;
    }
    cv.notify_all();
    for (int i = 0; i < 400 && pool.threads() > 1; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(pool.threads() == 1); // the core stays
    CHECK(done == 4);
    CHECK(counters.peak.load() == 4);
    CHECK(counters.open.load() == 0);
    pool.shutdown();
    CHECK(pool.threads() == 0);
}

TEST_CASE("200 idle keep-alive connections do not delay a fresh client", "[worker_pool]") {
    Config config = test::TestServer::default_config();
    config.threads = 4;
    test::TestServer srv(config);
    auto conns = open_served(srv.port(), 200);
    const auto start = Clock::now();
    auto c = srv.client();
    auto res = c.Get("/health");
    const double took = seconds_since(start);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(took < 1.0); // a fixed pool waited 2 s for a keep-alive time-out
    auto stats = srv.admin_json("/_mock/stats")["connections"];
    CHECK(stats["open"].get<int64_t>() >= 200);
    CHECK(stats["peak"].get<int64_t>() >= 201);
    CHECK(stats["refused"] == 0);
    CHECK(stats["max"] == 1024);
}

TEST_CASE("a connection beyond --max-connections is refused at once and counted", "[worker_pool]") {
    Config config = test::TestServer::default_config();
    config.max_connections = 3;
    test::TestServer srv(config);
    {
        auto conns = open_served(srv.port(), 3);
        const auto start = Clock::now();
        std::string answer = test::raw_exchange(srv.port(), k_health, 3000);
        CHECK(seconds_since(start) < 1.0); // closed, not left waiting for a thread
        INFO(answer);
        CHECK((answer.empty() || answer.rfind("HTTP/1.1 503", 0) == 0));
    } // the three close: room again
    nlohmann::json stats;
    for (int i = 0; i < 100; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        stats = srv.admin_json("/_mock/stats")["connections"];
        if (stats["open"] == 1) { // this request's own connection
            break;
        }
    }
    CHECK(stats["refused"] == 1);
    CHECK(stats["open"] == 1);
    CHECK(stats["peak"] == 3);
    CHECK(stats["max"] == 3);
}

TEST_CASE("hang faults on several connections do not delay other clients", "[worker_pool]") {
    Config config = test::TestServer::default_config();
    config.threads = 2;
    test::TestServer srv(config);
    auto c = srv.client();
    auto plan =
        c.Put("/_mock/faults",
              R"({"rules":[{"match":{"write_key":"slow"},"effect":{"connection":"hang"}}]})",
              "application/json");
    REQUIRE(plan);
    REQUIRE(plan->status == 200);
    const std::string hung_request =
        "POST /v1/track HTTP/1.1\r\nHost: t\r\nAuthorization: " + test::basic("slow") +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(k_track.size()) +
        "\r\n\r\n" + k_track;
    std::vector<std::unique_ptr<test::RawConnection>> hung;
    for (int i = 0; i < 20; ++i) {
        hung.push_back(std::make_unique<test::RawConnection>(srv.port()));
        hung.back()->send_all(hung_request);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300)); // all hanging by now
    for (int i = 0; i < 5; ++i) {
        const auto start = Clock::now();
        auto res = srv.post("/v1/track", "fast", k_track);
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(seconds_since(start) < 1.0);
    }
    CHECK(srv.admin_json("/_mock/stats")["connections"]["open"].get<int64_t>() >= 21);
    hung.clear(); // the clients give up; the hangs end
}

TEST_CASE("an idle keep-alive connection is still closed after the keep-alive time-out",
          "[worker_pool]") {
    test::TestServer srv;
    auto conns = open_served(srv.port(), 1);
    const auto start = Clock::now();
    CHECK(conns[0]->read_response(6000).empty()); // closed by the server, nothing sent
    const double took = seconds_since(start);
    CHECK(took > 1.5); // 2 s keep-alive time-out (one poll, not a 10 ms loop)
    CHECK(took < 4.5);
}

TEST_CASE("connection workers run at the server's priority", "[worker_pool]") {
    // Regression: workers ran at nice 10, below any other program on a busy machine.
    const int server = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
    ConnectionCounters counters;
    WorkerPool pool(WorkerPoolOptions{}, counters);
    std::mutex m;
    std::condition_variable cv;
    int on_worker = -100;
    pool.enqueue([&] {
        std::lock_guard lock(m);
        on_worker = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
        cv.notify_all();
    });
    std::unique_lock lock(m);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return on_worker != -100; }));
    CHECK(on_worker == server);
    lock.unlock();
    pool.shutdown();
}
