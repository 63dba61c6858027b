// GET /_mock/events?filter= and /_mock/wait?filter= against a real server: every term kind
// returns exactly the right events, AND-ed with the other parameters; bad filters are 400s.
#include "storage/store.hpp"
#include "support/test_server.hpp"

#include <catch2/catch.hpp>
#include <thread>

using namespace rm;
using nlohmann::json;

namespace {

std::string url_encode(const std::string& text) {
    static const char* k_hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += k_hex[c >> 4];
            out += k_hex[c & 15];
        }
    }
    return out;
}

// The messageIds of the events a filter selects, in id order ("" when the answer is not 200).
std::vector<std::string> selected(const test::TestServer& srv, const std::string& filter,
                                  const std::string& more = "") {
    const char* limit = more.find("limit=") == std::string::npos ? "limit=1000&" : "";
    json j = srv.admin_json("/_mock/events?" + std::string(limit) + "filter=" + url_encode(filter) +
                            more);
    std::vector<std::string> out;
    if (!j.contains("events")) {
        return {"error: " + j.dump()};
    }
    for (const auto& e : j["events"]) {
        out.push_back(e["message_id"]);
    }
    return out;
}

using Ids = std::vector<std::string>;

// Nine events of three write keys; one request delayed by a fault rule, one repeat, one lint.
struct Fixture {
    test::TestServer srv;
    std::string boundary; // received_at of msg-track-1: later events are at least 5 ms later

    Fixture() {
        auto step = [] { std::this_thread::sleep_for(std::chrono::milliseconds(5)); };
        REQUIRE(srv.post("/v1/batch", "wk-a", test::fixture("events/batch_mixed.json"))->status ==
                200);
        step();
        REQUIRE(srv.post("/v1/track", "wk-b", test::fixture("events/track.json"))->status == 200);
        step();
        REQUIRE(srv.post("/v1/track", "wk-b",
                         R"({"userId":"u9","event":"Order Completed","messageId":"m-9",
                             "properties":{"total":150,"coupon":"SAVE","zip":"02139"}})")
                    ->status == 200);
        step();
        const std::string cart =
            R"({"userId":"u9","event":"Cart","messageId":"m-10","properties":{"total":50,
                "flag":true,"code":null}})";
        REQUIRE(srv.post("/v1/track", "wk-b", cart)->status == 200);
        step();
        REQUIRE(srv.post("/v1/track", "wk-b", cart)->status == 200); // a repeat: has:dup
        step();
        auto c = srv.client();
        auto put = c.Put("/_mock/faults",
                         R"({"rules":[{"id":"slow","match":{"write_key":"wk-slow"},
                             "effect":{"delay_ms":1}}]})",
                         "application/json");
        REQUIRE(put->status == 200);
        REQUIRE(
            srv.post("/v1/identify", "wk-slow", test::fixture("events/identify.json"))->status ==
            200);
        REQUIRE(c.Delete("/_mock/faults")->status == 200);
        step();
        REQUIRE(srv.post("/v1/track", "wk-b", R"({"userId":"u9","messageId":"m-11"})")->status ==
                200); // a track without event: a lint warning
        json all = srv.admin_json("/_mock/events?limit=1000");
        REQUIRE(all["events"].size() == 9);
        boundary = all["events"][3]["received_at"];
    }
};

const Ids k_all = {"b-1", "b-2", "b-3", "msg-track-1", "m-9", "m-10", "m-10", "msg-identify-1",
                   "m-11"};

// k_all without the given positions (0-based).
Ids all_but(std::initializer_list<size_t> skip) {
    Ids out;
    for (size_t i = 0; i < k_all.size(); ++i) {
        if (std::find(skip.begin(), skip.end(), i) == skip.end()) {
            out.push_back(k_all[i]);
        }
    }
    return out;
}

} // namespace

TEST_CASE("filter: event columns - lists and negation", "[filter]") {
    Fixture fx;
    auto& srv = fx.srv;
    CHECK(selected(srv, "") == k_all);
    CHECK(selected(srv, "type:track") == Ids{"b-2", "msg-track-1", "m-9", "m-10", "m-10", "m-11"});
    CHECK(selected(srv, "type:identify,page") == Ids{"b-1", "b-3", "msg-identify-1"});
    CHECK(selected(srv, "-type:track") == Ids{"b-1", "b-3", "msg-identify-1"});
    CHECK(selected(srv, "type!=track") == Ids{"b-1", "b-3", "msg-identify-1"});
    CHECK(selected(srv, R"(event:"Order Completed")") == Ids{"msg-track-1", "m-9"});
    CHECK(selected(srv, "event:Clicked,Cart") == Ids{"b-2", "m-10", "m-10"});
    CHECK(selected(srv, "user:user-2") == Ids{"b-1", "b-2"});
    CHECK(selected(srv, "user:user-1,u9") ==
          Ids{"msg-track-1", "m-9", "m-10", "m-10", "msg-identify-1", "m-11"});
    CHECK(selected(srv, R"(user:"")") == Ids{"b-3"});
    CHECK(selected(srv, "anon:anon-2") == Ids{"b-3"});
    CHECK(selected(srv, "anon:anon-1") == Ids{"msg-track-1"});
    CHECK(selected(srv, "key:wk-slow") == Ids{"msg-identify-1"});
    CHECK(selected(srv, "key:wk-a,wk-slow") == Ids{"b-1", "b-2", "b-3", "msg-identify-1"});
    CHECK(selected(srv, "type:track user:u9 -event:Cart") == Ids{"m-9", "m-11"});
    CHECK(selected(srv, "has:dup") == Ids{"m-10"});
    CHECK(selected(srv, "-has:dup") == all_but({6}));
}

TEST_CASE("filter: lint - ids and dates", "[filter]") {
    Fixture fx;
    auto& srv = fx.srv;
    json all = srv.admin_json("/_mock/events?limit=1000");
    Ids linted;
    for (const auto& e : all["events"]) {
        if (!e["lint"].empty()) {
            linted.push_back(e["message_id"]);
        }
    }
    CHECK(std::find(linted.begin(), linted.end(), "m-11") != linted.end());
    CHECK(std::count(linted.begin(), linted.end(), "m-10") == 1); // the repeat's warning
    CHECK(selected(srv, "has:lint") == linted);
    CHECK(selected(srv, "has:lint,dup") == linted);

    std::string track_id = all["events"][3]["id"].dump();
    CHECK(selected(srv, "id:" + track_id) == Ids{"msg-track-1"});
    CHECK(selected(srv, "id:>" + track_id) == Ids(k_all.begin() + 4, k_all.end()));
    CHECK(selected(srv, "id>=" + track_id) == Ids(k_all.begin() + 3, k_all.end()));
    CHECK(selected(srv, "id:<" + track_id) == Ids(k_all.begin(), k_all.begin() + 3));
    CHECK(selected(srv, "id:<=" + track_id) == Ids(k_all.begin(), k_all.begin() + 4));
    CHECK(selected(srv, "id!=" + track_id) == all_but({3}));

    CHECK(selected(srv, "after:2000-01-01") == k_all);
    CHECK(selected(srv, "before:2000-01-01T00:00:00.000Z").empty());
    CHECK(selected(srv, "after:" + fx.boundary) == Ids(k_all.begin() + 3, k_all.end()));
    CHECK(selected(srv, "before:" + fx.boundary) == Ids(k_all.begin(), k_all.begin() + 3));
}

TEST_CASE("filter: the event's request - status - path - fault", "[filter]") {
    Fixture fx;
    auto& srv = fx.srv;
    // Events are stored for accepted requests only: all of them were 200s.
    CHECK(selected(srv, "status:200") == k_all);
    CHECK(selected(srv, "status:2xx") == k_all);
    CHECK(selected(srv, "status:4xx,503").empty());
    CHECK(selected(srv, "-status:4xx") == k_all);
    CHECK(selected(srv, "path:/v1/batch") == Ids{"b-1", "b-2", "b-3"});
    CHECK(selected(srv, "path:/v1/identify") == Ids{"msg-identify-1"});
    CHECK(selected(srv, "-path:/v1/track") == Ids{"b-1", "b-2", "b-3", "msg-identify-1"});
    CHECK(selected(srv, "has:fault") == Ids{"msg-identify-1"});
    CHECK(selected(srv, "-has:fault") == all_but({7}));
    CHECK(selected(srv, "has:fault,dup") == Ids{"m-10", "msg-identify-1"});
    // AND-ed with the other parameters, which keep working beside the join.
    CHECK(selected(srv, "path:/v1/batch", "&writeKey=wk-a&type=track") == Ids{"b-2"});
    CHECK(selected(srv, "status:200", "&messageId=m-10") == Ids{"m-10", "m-10"});
    CHECK(selected(srv, "status:200", "&userId=u9&q=Cart") == Ids{"m-10", "m-10"});
    CHECK(selected(srv, "status:200", "&order=desc&limit=2") == Ids{"m-11", "msg-identify-1"});
    // The store takes the expression itself: counts, and errors as the parser words them.
    EventFilter f;
    f.expression = "has:fault,dup";
    CHECK(*srv.app().store().count_events(f) == 2);
    f.write_key = "wk-b";
    CHECK(*srv.app().store().count_events(f) == 1);
    f.expression = "has:foo";
    auto bad = srv.app().store().events(f);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == "filter: position 5: bad has 'foo' (expected lint, dup or fault)");
    json first = srv.admin_json("/_mock/events?limit=3&filter=status:200");
    CHECK(selected(srv, "has:fault", "&since=" + first["next_since"].dump()) ==
          Ids{"msg-identify-1"});
}

TEST_CASE("filter: JSON paths and free text", "[filter]") {
    Fixture fx;
    auto& srv = fx.srv;
    CHECK(selected(srv, "properties.total>100") == Ids{"m-9"});
    CHECK(selected(srv, "properties.total:>100") == Ids{"m-9"});
    CHECK(selected(srv, "properties.total>=50") == Ids{"m-9", "m-10", "m-10"});
    CHECK(selected(srv, "properties.total<100") == Ids{"m-10", "m-10"});
    CHECK(selected(srv, "properties.total:150") == Ids{"m-9"});
    CHECK(selected(srv, "properties.total:150.0") == Ids{"m-9"});
    CHECK(selected(srv, "properties.revenue:42.5") == Ids{"msg-track-1"});
    CHECK(selected(srv, "properties.revenue>42.4") == Ids{"msg-track-1"});
    CHECK(selected(srv, "properties.revenue<=4.25e1") == Ids{"msg-track-1"});
    // Ordered comparisons never mix numbers and strings (SQLite sorts texts after numbers).
    CHECK(selected(srv, "properties.coupon>100").empty());
    CHECK(selected(srv, "properties.coupon>R") == Ids{"m-9"});
    CHECK(selected(srv, "properties.total<Z").empty());
    CHECK(selected(srv, "-properties.total>100") == all_but({4}));
    // A number also matches a string of the same text.
    CHECK(selected(srv, "properties.zip:02139") == Ids{"m-9"});
    CHECK(selected(srv, "properties.flag:true") == Ids{"m-10", "m-10"});
    CHECK(selected(srv, "properties.flag:1").empty()); // true is not the number 1
    CHECK(selected(srv, "properties.total:0").empty());
    CHECK(selected(srv, "properties.code:null") == Ids{"m-10", "m-10"});
    CHECK(selected(srv, "context.library.name:fixture") == Ids{"msg-track-1"});
    CHECK(selected(srv, R"(context.library.name:"fixture")") == Ids{"msg-track-1"});
    CHECK(selected(srv, "properties.products[0].sku:A-1") == Ids{"msg-track-1"});
    CHECK(selected(srv, "properties.products[1].sku:*").empty());
    CHECK(selected(srv, "traits.plan:pro") == Ids{"msg-identify-1"});
    CHECK(selected(srv, "traits.name:Grace,ACME") == Ids{"b-1"});
    // != (and -) also hold where the path is absent.
    CHECK(selected(srv, "traits.plan!=pro") == all_but({7}));
    CHECK(selected(srv, "traits.plan!=free") == k_all);
    CHECK(selected(srv, "-traits.plan:pro") == all_but({7}));
    CHECK(selected(srv, "properties.coupon:*") == Ids{"m-9"});
    CHECK(selected(srv, "properties.code:*") == Ids{"m-10", "m-10"}); // null exists
    CHECK(selected(srv, "-properties.coupon:*") == all_but({4}));
    CHECK(selected(srv, "properties.coupon!=*") == all_but({4}));
    CHECK(selected(srv, "messageId:m-9") == Ids{"m-9"}); // a top-level key
    CHECK(selected(srv, "Grace") == Ids{"b-1"});
    CHECK(selected(srv, R"("Order Completed")") == Ids{"msg-track-1", "m-9"});
    CHECK(selected(srv, "-Grace type:identify") == Ids{"msg-identify-1"});
    CHECK(selected(srv, R"(event:"x' OR 1=1 --")").empty());
    CHECK(selected(srv, R"("x' OR 1=1 --")").empty());
    CHECK(selected(srv, R"(traits.plan:"x' OR '1'='1")").empty());
}

TEST_CASE("filter: bad expressions are 400s - wait takes a filter", "[filter]") {
    test::TestServer srv;
    auto c = srv.client();
    auto bad = c.Get("/_mock/events?filter=" + url_encode("type:track status:4x"));
    REQUIRE(bad);
    CHECK(bad->status == 400);
    CHECK(json::parse(bad->body) ==
          json{{"error", "filter: position 19: bad status '4x' (expected a code like 429 or "
                         "a class like 4xx)"}});
    auto unknown = c.Get("/_mock/events?filter=" + url_encode("1x:y"));
    CHECK(unknown->status == 400);
    CHECK(json::parse(unknown->body)["error"].get<std::string>().rfind(
              "filter: position 1: unknown field '1x'", 0) == 0);
    auto bad_wait = c.Get("/_mock/wait?count=1&timeout_ms=10&filter=has:foo");
    CHECK(bad_wait->status == 400);
    CHECK(json::parse(bad_wait->body)["error"] ==
          "filter: position 5: bad has 'foo' (expected lint, dup or fault)");

    std::thread sender([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        srv.post("/v1/track", "wk-w", R"({"userId":"u1","event":"A","properties":{"n":1}})");
        srv.post("/v1/track", "wk-w", R"({"userId":"u1","event":"B","properties":{"n":2}})");
    });
    auto waited = c.Get("/_mock/wait?count=1&timeout_ms=5000&writeKey=wk-w&filter=" +
                        url_encode("properties.n>1 path:/v1/track"));
    sender.join();
    REQUIRE(waited);
    CHECK(waited->status == 200);
    json events = json::parse(waited->body)["events"];
    REQUIRE(events.size() == 1);
    CHECK(events[0]["event"] == "B");
    auto timeout = c.Get("/_mock/wait?count=1&timeout_ms=100&filter=has:fault");
    CHECK(timeout->status == 408);
}
