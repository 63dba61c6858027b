// The scan budget of /_mock/events and /_mock/wait (storage/store.hpp): free text and JSON
// paths examine at most scan= ids per answer, say "truncated" and where to continue; paging
// on finds every match once, oldest or newest first, across holes in the ids.
#include "support/test_server.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

using namespace rm;
using nlohmann::json;

namespace {

// n track events of write_key: properties.n = first..first+n-1, "needle" in the tag of every
// third, userId u0..u4.
std::string batch(int first, int n) {
    json events = json::array();
    for (int i = first; i < first + n; ++i) {
        events.push_back({{"type", "track"},
                          {"event", "Scanned"},
                          {"userId", "u" + std::to_string(i % 5)},
                          {"messageId", "m-" + std::to_string(i)},
                          {"properties", {{"n", i}, {"tag", i % 3 == 0 ? "needle" : "hay"}}}});
    }
    return json{{"batch", events}}.dump();
}

// 50 events of wk-s with ids 1-20 and 36-65: the 15 ids between were wk-x's, reset.
struct Fixture {
    test::TestServer srv;
    Fixture() {
        REQUIRE(srv.post("/v1/batch", "wk-s", batch(1, 20))->status == 200);
        REQUIRE(srv.post("/v1/batch", "wk-x", batch(1000, 15))->status == 200);
        REQUIRE(srv.post("/v1/batch", "wk-s", batch(21, 30))->status == 200);
        auto c = srv.client();
        REQUIRE(c.Post("/_mock/reset?writeKey=wk-x", "", "application/json")->status == 200);
    }
};

std::vector<int64_t> ids_of(const json& answer) {
    std::vector<int64_t> out;
    for (const auto& e : answer["events"]) {
        out.push_back(e["id"]);
    }
    return out;
}

// Every match without a budget, oldest first.
std::vector<int64_t> all_matches(const test::TestServer& srv, const std::string& query) {
    json j = srv.admin_json("/_mock/events?limit=10000&scan=0&" + query);
    REQUIRE(j["truncated"] == false);
    return ids_of(j);
}

struct Walk {
    std::vector<int64_t> ids; // in the order the pages gave them
    int pages = 0;
    int truncated = 0;
};

// Pages through query with the cursors of each answer until one says nothing is left.
Walk walk(const test::TestServer& srv, const std::string& query, int limit, bool newest_first) {
    Walk w;
    std::string cursor;
    for (int guard = 0; guard < 200; ++guard) {
        json j = srv.admin_json("/_mock/events?" + query + "&limit=" + std::to_string(limit) +
                                (newest_first ? "&order=desc" : "") + cursor);
        REQUIRE(j.contains("events"));
        ++w.pages;
        for (int64_t id : ids_of(j)) {
            w.ids.push_back(id);
        }
        bool truncated = j["truncated"];
        w.truncated += truncated ? 1 : 0;
        bool more = false;
        if (newest_first) {
            REQUIRE(j.contains("next_before"));
            more = !j["next_before"].is_null();
            cursor = more ? "&before=" + j["next_before"].dump() : "";
        } else {
            more = truncated || static_cast<int>(j["events"].size()) == limit;
            cursor = "&since=" + j["next_since"].dump();
        }
        if (!more) {
            return w;
        }
    }
    FAIL("the cursors never reached the end");
    return w;
}

} // namespace

TEST_CASE("a budgeted scan pages through every match once, both ways", "[admin][scan]") {
    Fixture fx;
    const char* queries[] = {"q=needle", "filter=needle", "filter=properties.n%3E40",
                             "filter=type:track%20needle", "filter=key:wk-s%20needle"};
    for (const char* query : queries) {
        for (int limit : {100, 2}) {
            INFO(query << " limit " << limit);
            auto expected = all_matches(fx.srv, query);
            REQUIRE(expected.size() >= 10);
            Walk up = walk(fx.srv, std::string(query) + "&scan=10", limit, false);
            CHECK(up.ids == expected);
            CHECK(up.truncated > 0);
            Walk down = walk(fx.srv, std::string(query) + "&scan=10", limit, true);
            std::reverse(down.ids.begin(), down.ids.end());
            CHECK(down.ids == expected);
            CHECK(down.truncated > 0);
            if (limit == 100) {
                // 65 ids in windows of 10 (the emptied 21-35 still count as ids).
                CHECK(up.pages == 7);
                CHECK(down.pages == 7);
            }
        }
    }
}

TEST_CASE("a truncated page says where the scan stopped", "[admin][scan]") {
    Fixture fx;
    json first = fx.srv.admin_json("/_mock/events?q=needle&scan=10");
    CHECK(first["truncated"] == true);
    CHECK(ids_of(first) == std::vector<int64_t>{3, 6, 9});
    CHECK(first["next_since"] == 10);
    CHECK_FALSE(first.contains("next_before")); // oldest first: next_since is the cursor
    // Ids 21-35 are gone: the window (15, 25] holds five events and no match past 18.
    json middle = fx.srv.admin_json("/_mock/events?q=needle&scan=10&since=15");
    CHECK(ids_of(middle) == std::vector<int64_t>{18});
    CHECK(middle["next_since"] == 25);
    CHECK(middle["truncated"] == true);
    // Newest first from the newest event (65): the window [56, 65].
    json newest = fx.srv.admin_json("/_mock/events?q=needle&scan=10&order=desc");
    CHECK(newest["truncated"] == true);
    CHECK(newest["next_before"] == 56);
    CHECK(newest["next_since"] == newest["events"][0]["id"]);
    json older = fx.srv.admin_json("/_mock/events?q=needle&scan=10&order=desc&before=56");
    CHECK(older["truncated"] == true);
    CHECK(older["next_before"] == 46);
    // The last window reaches the oldest event: not truncated, nothing before it.
    json last = fx.srv.admin_json("/_mock/events?q=needle&scan=10&order=desc&before=11");
    CHECK(last["truncated"] == false);
    CHECK(last["next_before"].is_null());
    CHECK(ids_of(last) == std::vector<int64_t>{9, 6, 3});
    // A page that fills up before the window ends continues from its last event.
    json full = fx.srv.admin_json("/_mock/events?q=needle&scan=10&limit=2");
    CHECK(full["truncated"] == false);
    CHECK(ids_of(full) == std::vector<int64_t>{3, 6});
    CHECK(full["next_since"] == 6);
    json full_desc = fx.srv.admin_json("/_mock/events?q=needle&scan=10&limit=2&order=desc");
    CHECK(full_desc["truncated"] == false);
    CHECK(full_desc["next_before"] == full_desc["events"][1]["id"]);
    // Past the newest event: nothing to scan, nothing truncated.
    json beyond = fx.srv.admin_json("/_mock/events?q=needle&scan=10&since=65");
    CHECK(beyond["events"].empty());
    CHECK(beyond["truncated"] == false);
    CHECK(beyond["next_since"] == 65);
}

TEST_CASE("indexed and narrowed queries ignore the budget", "[admin][scan]") {
    Fixture fx;
    // The default budget (100,000 ids) covers the 65 ids at once.
    json whole = fx.srv.admin_json("/_mock/events?q=needle");
    CHECK(whole["truncated"] == false);
    CHECK(ids_of(whole) == all_matches(fx.srv, "q=needle"));
    CHECK(fx.srv.admin_json("/_mock/events?q=needle&order=desc")["next_before"].is_null());
    for (const char* query : {"type=track&scan=1", "filter=type:track&scan=1",
                              "userId=u0&q=needle&scan=1", "filter=user:u0%20needle&scan=1",
                              "filter=has:dup%20needle&scan=1", "filter=id:9%20needle&scan=1"}) {
        INFO(query);
        json j = fx.srv.admin_json(std::string("/_mock/events?limit=1000&") + query);
        CHECK(j["truncated"] == false);
        CHECK(ids_of(j) == all_matches(fx.srv, query));
    }
    CHECK(fx.srv.admin_json("/_mock/events?type=track&scan=1")["events"].size() == 50);
    CHECK(fx.srv.admin_json("/_mock/events?userId=u0&q=needle&scan=1")["events"].size() == 3);
    // before bounds indexed listings too; a full newest-first page gives its oldest id.
    json page = fx.srv.admin_json("/_mock/events?order=desc&limit=3&before=40");
    CHECK(ids_of(page) == std::vector<int64_t>{39, 38, 37});
    CHECK(page["next_before"] == 37);
}

TEST_CASE("bad scan and before parameters are 400s", "[admin][scan]") {
    Fixture fx;
    auto c = fx.srv.client();
    for (const char* query : {"scan=-1", "scan=ten", "before=0", "before=x", "before=-5"}) {
        INFO(query);
        auto res = c.Get(std::string("/_mock/events?q=needle&") + query);
        REQUIRE(res);
        CHECK(res->status == 400);
        std::string name = std::string(query).substr(0, std::string(query).find('='));
        CHECK(json::parse(res->body)["error"].get<std::string>().find("parameter " + name) == 0);
        CHECK(c.Get(std::string("/_mock/wait?count=1&timeout_ms=10&q=x&") + query)->status == 400);
    }
}

TEST_CASE("wait scans in budget windows and only new ids after that", "[admin][scan][wait]") {
    Fixture fx;
    auto c = fx.srv.client();
    auto expected = all_matches(fx.srv, "q=needle");
    std::string count = std::to_string(expected.size());
    auto all = c.Get("/_mock/wait?q=needle&scan=10&timeout_ms=5000&count=" + count);
    REQUIRE(all->status == 200);
    json got = json::parse(all->body);
    CHECK(ids_of(got) == expected);
    CHECK(got["truncated"] == false);
    // Newest first: the newest matches, once every id was examined.
    json newest = json::parse(
        c.Get("/_mock/wait?q=needle&scan=10&timeout_ms=5000&count=2&limit=3&order=desc")->body);
    std::vector<int64_t> top(expected.rbegin(), expected.rbegin() + 3);
    CHECK(ids_of(newest) == top);
    // No match: 408 at the timeout with every id examined.
    auto none = c.Get("/_mock/wait?q=nowhere&scan=10&timeout_ms=100&count=1");
    CHECK(none->status == 408);
    CHECK(json::parse(none->body)["next_since"] == 65);
    // An event that arrives while it waits.
    std::thread sender([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        fx.srv.post("/v1/track", "wk-s", R"({"userId":"late","event":"needle-late"})");
    });
    auto late = c.Get("/_mock/wait?q=needle-late&scan=10&timeout_ms=20000&count=1");
    sender.join();
    REQUIRE(late->status == 200);
    json late_body = json::parse(late->body);
    REQUIRE(late_body["events"].size() == 1);
    CHECK(late_body["events"][0]["user_id"] == "late");
}

TEST_CASE("a scanning wait starts again when a reset reuses ids", "[admin][scan][wait]") {
    Fixture fx;
    auto c = fx.srv.client();
    std::thread resetter([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        auto admin = fx.srv.client();
        admin.Post("/_mock/reset", "", "application/json");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        fx.srv.post("/v1/track", "wk-s", R"({"userId":"again","event":"needle-again"})");
    });
    // The wait has examined ids up to 65 when the reset empties the table; the new event gets
    // id 1, which a wait that only looked past 65 would never see.
    auto got = c.Get("/_mock/wait?q=needle-again&scan=10&timeout_ms=20000&count=1");
    resetter.join();
    REQUIRE(got->status == 200);
    json body = json::parse(got->body);
    REQUIRE(body["events"].size() == 1);
    CHECK(body["events"][0]["id"] == 1);
    CHECK(body["events"][0]["user_id"] == "again");
}

TEST_CASE("free text matches substrings only, wildcards and all", "[admin][scan]") {
    test::TestServer srv;
    REQUIRE(srv.post("/v1/track", "wk-t",
                     R"({"userId":"u","event":"E","properties":{"note":"a*b?c[d]e café Z"}})")
                ->status == 200);
    auto hits = [&](const std::string& encoded) {
        return srv.admin_json("/_mock/events?q=" + encoded)["events"].size() +
               srv.admin_json("/_mock/events?filter=%22" + encoded + "%22")["events"].size();
    };
    CHECK(hits("a%2Ab%3Fc%5Bd%5De") == 2); // a*b?c[d]e
    CHECK(hits("%5Bd%5D") == 2);           // [d]
    CHECK(hits("caf%C3%A9") == 2);         // café
    CHECK(hits("a%2Ac") == 0);             // a*c: * is no wildcard
    CHECK(hits("b%3Fc%5Bx") == 0);         // b?c[x
    CHECK(hits("c%3Fb") == 0);             // c?b
    CHECK(hits("%5Bcd%5D") == 0);          // [cd]: no character class
    CHECK(hits("z") == 0);                 // case-sensitive
}
