// The Requests view's model: plain words for every refusal, and the RequestFeed over a real
// server's journal (status filters, rows, detail with the decoded body, live tail, reset).
#include "storage/store.hpp"
#include "support/test_server.hpp"
#include "view/request_feed.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <thread>

using namespace rm;

namespace {
bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Runs the UI side (posted tasks, ticks) until done() or the timeout; returns done().
bool pump(MainThreadQueue& queue, RequestFeed& feed, const std::function<bool()>& done,
          int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        queue.run_pending();
        feed.tick();
        if (done()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
}

bool settled(RequestFeed& feed, size_t size) {
    return !feed.searching() && feed.size() == size;
}

// Asks for every row and waits until all are loaded.
bool load_rows(MainThreadQueue& queue, RequestFeed& feed) {
    return pump(queue, feed, [&] {
        bool all = true;
        for (size_t i = 0; i < feed.size(); ++i) {
            all = feed.row(i) != nullptr && all;
        }
        return all;
    });
}

void put_plan(const test::TestServer& srv, const std::string& plan) {
    auto res = srv.client().Put("/_mock/faults", plan, "application/json");
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 200);
}

const std::string k_track = R"({"userId":"u1","event":"Clicked"})";
} // namespace

TEST_CASE("plain_reason explains every refusal the gateway journals", "[requestfeed]") {
    CHECK(plain_reason(200, "", "") == "Accepted.");
    CHECK(has(plain_reason(401, "invalid write key", ""), "not one of the configured sources"));
    CHECK(has(plain_reason(401, "invalid write key", ""), "--sources"));
    CHECK(
        has(plain_reason(401, "failed to read writekey from header", ""), "No Basic auth header"));
    CHECK(has(plain_reason(401, "failed to read writekey from header", ""), "empty password"));
    CHECK(has(plain_reason(401, "failed to read writekey from query params", ""), "?writeKey="));
    CHECK(has(plain_reason(400, "invalid json", ""), "not valid JSON"));
    CHECK(has(plain_reason(400, "request neither has anonymousId nor userId", ""), "anonymousId"));
    CHECK(has(plain_reason(400, "empty batch payload", ""), "batch"));
    CHECK(has(plain_reason(400, "event is not a valid rudder event", ""), "JSON object"));
    CHECK(has(plain_reason(413, "request size exceeds max limit", ""), "--max-request-kb"));
    CHECK(has(plain_reason(429, "max requests limit reached", ""), "--rate-limit"));
    CHECK(has(plain_reason(404, "source is disabled", ""), "disabled"));
    const std::string not_found = plain_reason(404, "404 page not found", "");
    CHECK(has(not_found, "No such route"));
    CHECK(has(not_found, "/v1/"));
    CHECK(has(not_found, "/beacon/v1/batch"));
    CHECK(has(plain_reason(405, "method not allowed", ""), "wrong method"));
    CHECK(has(plain_reason(503, "Service Unavailable", ""), "--max-in-flight"));
    CHECK(has(plain_reason(500, "failed to read body from request", ""), "could not be read"));
    CHECK(has(plain_reason(401, "failed to read source id from header", ""), "X-Rudder-Source-Id"));
    CHECK(has(plain_reason(400, "failed to read destination id from header", ""),
              "--retl-require-destination-id"));
    CHECK(has(plain_reason(431, "431 Request Header Fields Too Large", ""), "headers"));
    // Injected faults, named by their rule.
    const std::string fault_429 = plain_reason(429, "fault 'slow-down': max requests limit reached",
                                               R"({"rule":"slow-down","status":429,)"
                                               R"("delay_ms":0,"connection":null})");
    CHECK(has(fault_429, "Injected by fault rule slow-down (see the Faults tab)"));
    CHECK(has(fault_429, "429"));
    CHECK(has(plain_reason(0, "fault 'r1': connection reset",
                           R"({"rule":"r1","status":null,"delay_ms":0,"connection":"reset"})"),
              "reset"));
    CHECK(has(plain_reason(0, "fault 'r1': connection close", ""), "closed"));
    CHECK(has(plain_reason(0, "fault 'r1': connection hang", ""), "gave up"));
    const std::string truncated =
        plain_reason(0, "fault 'cut': connection truncate (sent 1 of 2 body bytes)", "");
    CHECK(has(truncated, "Injected by fault rule cut"));
    CHECK(has(truncated, "half the body"));
    CHECK(has(truncated, "(sent 1 of 2 body bytes)"));
    CHECK(has(plain_reason(0, "", R"({"rule":"x","connection":"close"})"), "fault rule x"));
    // A delay-only rule: the real answer, delayed.
    CHECK(has(plain_reason(200, "", R"({"rule":"slow","status":null,"delay_ms":250})"),
              "Delayed 250 ms by fault rule slow"));
    // Import groups failing in different ways, and text it does not know.
    const std::string combined =
        plain_reason(500, "invalid json\nrequest neither has anonymousId nor userId", "");
    CHECK(has(combined, "Several groups"));
    CHECK(has(combined, "not valid JSON"));
    CHECK(has(combined, "anonymousId"));
    CHECK(plain_reason(418, "teapot said no", "") == "I'm a teapot: teapot said no.");
    CHECK(has(plain_reason(502, "", ""), "502 Bad Gateway"));
}

TEST_CASE("the request feed lists the journal - refused requests included", "[requestfeed]") {
    test::TestServer srv;
    REQUIRE(srv.post("/v1/track", "k-good", k_track)->status == 200);
    {
        auto c = srv.client(); // no Authorization header at all
        auto r = c.Post("/v1/track", k_track, "application/json");
        REQUIRE(r);
        REQUIRE(r->status == 401);
    }
    REQUIRE(srv.post("/v1/track", "k-good", "{not json")->status == 400);
    REQUIRE(srv.post("/v1/nope", "k-good", k_track)->status == 404);
    put_plan(srv, R"({"rules":[{"id":"r429","match":{"write_key":"k429"},)"
                  R"("effect":{"status":429}}]})");
    REQUIRE(srv.post("/v1/track", "k429", R"({"userId":"u1","messageId":"m-429"})")->status == 429);
    // A body the store keeps compressed comes back decoded.
    std::string big = R"({"userId":"u2","event":"Big","properties":{"pad":")" +
                      std::string(20000, 'x') + R"("}})";
    REQUIRE(srv.post("/v1/track", "k-good", big)->status == 200);

    MainThreadQueue queue;
    auto opened = RequestFeed::open(srv.app().store().path(), &srv.app().store(), queue);
    REQUIRE(opened);
    RequestFeed& feed = **opened;
    REQUIRE(pump(queue, feed, [&] { return settled(feed, 6); }));
    CHECK(feed.error().empty());
    REQUIRE(load_rows(queue, feed));
    // Oldest first: newest at the bottom.
    const RequestRow* first = feed.row(0);
    CHECK(first->status == 200);
    CHECK(first->path == "/v1/track");
    CHECK(first->method == "POST");
    CHECK(first->write_key == "k-good");
    CHECK(first->event_count == 1);
    CHECK(first->plain == "Accepted.");
    const RequestRow* no_auth = feed.row(1);
    CHECK(no_auth->status == 401);
    CHECK(no_auth->reason == "failed to read writekey from header");
    CHECK(has(no_auth->plain, "No Basic auth header"));
    CHECK(has(feed.row(2)->plain, "not valid JSON"));
    CHECK(has(feed.row(3)->plain, "No such route"));
    const RequestRow* faulted = feed.row(4);
    CHECK(faulted->status == 429);
    CHECK(faulted->fault_rule == "r429");
    CHECK(has(faulted->plain, "Injected by fault rule r429"));
    CHECK(feed.id_at(0) < feed.id_at(5));
    CHECK(feed.index_of(feed.id_at(3)) == 3u);

    SECTION("status filters") {
        feed.set_query({StatusClass::client_error, 0, "", ""});
        REQUIRE(pump(queue, feed, [&] { return settled(feed, 4); }));
        feed.set_query({StatusClass::success, 0, "", ""});
        REQUIRE(pump(queue, feed, [&] { return settled(feed, 2); }));
        feed.set_query({StatusClass::faults, 0, "", ""});
        REQUIRE(pump(queue, feed, [&] { return settled(feed, 1); }));
        feed.set_query({StatusClass::code, 429, "", ""});
        REQUIRE(pump(queue, feed, [&] { return settled(feed, 1); }));
        feed.set_query({StatusClass::code, 200, "", ""});
        REQUIRE(pump(queue, feed, [&] { return settled(feed, 2); }));
        feed.set_query({StatusClass::server_error, 0, "", ""});
        REQUIRE(pump(queue, feed, [&] { return settled(feed, 0); }));
        feed.set_query({StatusClass::all, 0, "k-good", ""}); // the 404 came before auth
        REQUIRE(pump(queue, feed, [&] { return settled(feed, 3); }));
        feed.set_query({StatusClass::client_error, 0, "k-good", "track"});
        REQUIRE(pump(queue, feed, [&] { return settled(feed, 1); }));
        REQUIRE(load_rows(queue, feed));
        CHECK(feed.row(0)->reason == "invalid json");
        feed.set_query({StatusClass::client_error, 0, "", "nop"});
        REQUIRE(pump(queue, feed, [&] { return settled(feed, 1); }));
        REQUIRE(load_rows(queue, feed));
        CHECK(feed.row(0)->path == "/v1/nope");
        CHECK(feed.row(0)->write_key.empty());
        CHECK(feed.query().path == "nop");
    }
    SECTION("the detail: headers, decoded body, answer, fault, delivery") {
        feed.select(feed.id_at(5));
        REQUIRE(pump(queue, feed, [&] { return feed.detail() != nullptr; }));
        const RequestDetail* d = feed.detail();
        CHECK(d->request.record.body == big);
        CHECK(has(d->request.record.headers_json, "Authorization"));
        CHECK(d->request.record.response_body == "ok");
        CHECK(d->plain == "Accepted.");
        feed.select(feed.id_at(4));
        REQUIRE(pump(queue, feed, [&] { return feed.detail() != nullptr; }));
        d = feed.detail();
        CHECK(d->request.record.status == 429);
        CHECK(has(d->request.record.fault_json, "\"rule\":\"r429\""));
        CHECK(has(d->request.record.response_body, "max requests limit reached"));
        CHECK(has(d->plain, "fault rule r429"));
        REQUIRE(d->attempts.size() == 1); // the track carried a (generated) messageId
        CHECK(d->attempts[0].request_id == feed.id_at(4));
        feed.select(0);
        CHECK(feed.detail() == nullptr);
    }
    SECTION("live tail, connection faults, reset") {
        const uint64_t before = feed.version();
        REQUIRE(srv.post("/v1/track", "k-good", k_track)->status == 200);
        REQUIRE(pump(queue, feed, [&] { return feed.size() == 7; }));
        CHECK(feed.version() != before);
        put_plan(srv, R"({"rules":[{"id":"cut","match":{"write_key":"k-reset"},)"
                      R"("effect":{"connection":"reset"}}]})");
        CHECK_FALSE(srv.post("/v1/track", "k-reset", k_track)); // no answer
        feed.set_query({StatusClass::connection, 0, "", ""});
        REQUIRE(pump(queue, feed, [&] { return settled(feed, 1); }));
        REQUIRE(load_rows(queue, feed));
        CHECK(feed.row(0)->status == 0);
        CHECK(has(feed.row(0)->plain, "Injected by fault rule cut"));
        CHECK(has(feed.row(0)->plain, "reset"));
        feed.set_query({});
        REQUIRE(pump(queue, feed, [&] { return settled(feed, 8); }));
        auto reset = srv.client().Post("/_mock/reset", "", "application/json");
        REQUIRE(reset);
        REQUIRE(reset->status == 200);
        REQUIRE(pump(queue, feed, [&] { return settled(feed, 0); }));
        // After a reset SQLite hands out the same ids again: the feed starts over.
        REQUIRE(srv.post("/v1/track", "k-after", k_track)->status == 200);
        REQUIRE(pump(queue, feed, [&] { return settled(feed, 1); }));
        REQUIRE(load_rows(queue, feed));
        CHECK(feed.row(0)->write_key == "k-after");
    }
}

TEST_CASE("a request feed with no live store reads the file once", "[requestfeed]") {
    test::TestServer srv;
    REQUIRE(srv.post("/v1/track", "k1", k_track)->status == 200);
    REQUIRE(srv.post("/v1/track", "", k_track)->status == 401);
    MainThreadQueue queue;
    auto opened = RequestFeed::open(srv.app().store().path(), nullptr, queue);
    REQUIRE(opened);
    RequestFeed& feed = **opened;
    REQUIRE(pump(queue, feed, [&] { return settled(feed, 2); }));
    feed.set_query({StatusClass::code, 401, "", ""});
    REQUIRE(pump(queue, feed, [&] { return settled(feed, 1); }));
    CHECK_FALSE(RequestFeed::open("/nonexistent/dir/x.db", nullptr, queue));
}
