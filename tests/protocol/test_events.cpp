#include "protocol/events.hpp"
#include "support/test_server.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace rm;
using nlohmann::json;

namespace {
const EventContext k_ctx{"2026-11-26T10:00:00.000Z", "10.1.2.3"};

json payload(const Prepared& p, size_t i = 0) {
    return json::parse(p.events.at(i).payload_json);
}

bool has_lint(const EventRecord& e, const std::string& part) {
    for (const auto& l : e.lint) {
        if (l.find(part) != std::string::npos) {
            return true;
        }
    }
    return false;
}
} // namespace

TEST_CASE("a single event is typed by its route and enriched exactly", "[events]") {
    Prepared p = prepare_single(test::fixture("events/track.json"), "identify", k_ctx);
    REQUIRE(p.reason == Reason::ok);
    REQUIRE(p.events.size() == 1);
    json ev = payload(p);
    CHECK(ev["type"] == "identify"); // the path wins over the body
    CHECK(ev["rudderId"] == "8eee6191-bcf5-4249-8ea0-586287986e2a");
    CHECK(ev["messageId"] == "msg-track-1");
    CHECK(ev["receivedAt"] == "2026-11-26T10:00:00.000Z");
    CHECK(ev["request_ip"] == "10.1.2.3");
    CHECK(ev["originalTimestamp"] == "2026-01-02T03:04:05.678Z");
    CHECK(ev["sentAt"] == "2026-01-02T03:04:06.000Z");
    CHECK_FALSE(ev.contains("timestamp"));
    CHECK(p.events[0].user_id == "user-1");
    CHECK(p.events[0].anonymous_id == "anon-1");
    // Field order of the client is kept.
    CHECK(p.events[0].payload_json.rfind("{\"userId\":\"user-1\",\"anonymousId\"", 0) == 0);
}

TEST_CASE("root shapes of single-event bodies", "[events]") {
    CHECK(prepare_single("[{\"userId\":\"a\"}]", "track", k_ctx).reason == Reason::invalid_event);
    CHECK(prepare_single("null", "track", k_ctx).reason == Reason::no_ids);
    CHECK(prepare_single("42", "track", k_ctx).reason == Reason::no_ids);
    CHECK(prepare_single("", "track", k_ctx).reason == Reason::invalid_json);
    CHECK(prepare_single("{\"userId\":\"a\"} x", "track", k_ctx).reason == Reason::invalid_json);
    CHECK(prepare_single(" \n{\"userId\":\"a\"}\n ", "track", k_ctx).reason == Reason::ok);
    CHECK(prepare_single("{\"userId\":\"a\",}", "track", k_ctx).reason == Reason::invalid_json);
    CHECK(prepare_single("{\"userId\":\"a\xff\"}", "track", k_ctx).reason == Reason::invalid_json);
}

TEST_CASE("ids: non-string values count - blank ones do not", "[events]") {
    CHECK(prepare_single(R"({"userId":0})", "track", k_ctx).reason == Reason::ok);
    CHECK(prepare_single(R"({"userId":false})", "track", k_ctx).reason == Reason::ok);
    CHECK(prepare_single(R"({"anonymousId":{}})", "track", k_ctx).reason == Reason::ok);
    CHECK(prepare_single(R"({"userId":null,"anonymousId":""})", "track", k_ctx).reason ==
          Reason::no_ids);
    CHECK(prepare_single("{\"userId\":\" \\t\\u200b \"}", "track", k_ctx).reason == Reason::no_ids);
    CHECK(prepare_single("{}", "extract", k_ctx).reason == Reason::ok);
    Prepared zero = prepare_single(R"({"userId":0})", "track", k_ctx);
    CHECK(payload(zero)["rudderId"] == "9a1c7ee2-c7ce-48d4-bbba-f29ab9f2ac1e"); // md5("0:")
}

TEST_CASE("messageId is cleaned - or replaced when nothing is left", "[events]") {
    json ev =
        payload(prepare_single("{\"userId\":\"a\",\"messageId\":\" m\\t1 \"}", "track", k_ctx));
    CHECK(ev["messageId"] == "m1");
    ev = payload(prepare_single(R"({"userId":"a","messageId":123})", "track", k_ctx));
    CHECK(ev["messageId"].get<std::string>().size() == 36);
    ev = payload(prepare_single(R"({"userId":"a","messageId":"  "})", "track", k_ctx));
    CHECK(ev["messageId"].get<std::string>().size() == 36);
}

TEST_CASE("receivedAt and request_ip are only added when absent", "[events]") {
    json ev = payload(prepare_single(
        R"({"userId":"a","receivedAt":"2020-01-01T00:00:00.000Z","request_ip":"1.1.1.1"})", "page",
        k_ctx));
    CHECK(ev["receivedAt"] == "2020-01-01T00:00:00.000Z");
    CHECK(ev["request_ip"] == "1.1.1.1");
}

TEST_CASE("batch shapes", "[events]") {
    CHECK(prepare_batch("{}", k_ctx).reason == Reason::empty_batch);
    CHECK(prepare_batch(R"({"batch":null})", k_ctx).reason == Reason::empty_batch);
    CHECK(prepare_batch(R"({"batch":[]})", k_ctx).reason == Reason::empty_batch);
    CHECK(prepare_batch(R"({"batch":{}})", k_ctx).reason == Reason::empty_batch);
    CHECK(prepare_batch(R"([{"userId":"a"}])", k_ctx).reason == Reason::empty_batch);
    CHECK(prepare_batch(R"({"batch":"x"})", k_ctx).reason == Reason::invalid_event);
    CHECK(prepare_batch(R"({"batch":7})", k_ctx).reason == Reason::invalid_event);
    CHECK(prepare_batch(R"({"batch":[1]})", k_ctx).reason == Reason::invalid_event);
    Prepared one = prepare_batch(R"({"batch":{"userId":"a","type":"track"}})", k_ctx);
    REQUIRE(one.reason == Reason::ok);
    CHECK(one.events.size() == 1);
}

TEST_CASE("a batch is all or nothing and keeps each item's type", "[events]") {
    Prepared ok = prepare_batch(test::fixture("events/batch_mixed.json"), k_ctx);
    REQUIRE(ok.reason == Reason::ok);
    REQUIRE(ok.events.size() == 3);
    CHECK(ok.events[0].type == "identify");
    CHECK(ok.events[2].type == "page");
    CHECK_FALSE(payload(ok, 0).contains("writeKey")); // top-level fields are dropped
    Prepared bad = prepare_batch(test::fixture("events/batch_one_bad.json"), k_ctx);
    CHECK(bad.reason == Reason::no_ids);
    CHECK(bad.events.empty());
}

TEST_CASE("retl record events need no id", "[events]") {
    Prepared p = prepare_batch(R"({"batch":[{"type":"record","fields":{"a":1}}]})", k_ctx);
    CHECK(p.reason == Reason::ok);
}

TEST_CASE("import groups per user and stores the groups that pass", "[events]") {
    Prepared p = prepare_import(test::fixture("events/import_two_users.json"), k_ctx);
    CHECK(p.reason == Reason::no_ids);
    REQUIRE(p.events.size() == 2);
    CHECK(p.events[0].user_id == "good-user");
    CHECK(prepare_import(R"({"batch":[]})", k_ctx).reason == Reason::ok);
    Prepared two = prepare_import(
        R"({"batch":[{"userId":"x","type":7,"messageId":1},{"userId":" "},{"userId":"\t"},{"userId":"y"}]})",
        k_ctx);
    CHECK(two.reason == Reason::combined);
    CHECK(two.events.size() == 2);
}

TEST_CASE("lint warnings describe sloppy events without refusing them", "[events][lint]") {
    Prepared p = prepare_batch(
        R"({"batch":[{"type":"track","userId":"a"},{"type":"group","userId":"a"},)"
        R"({"type":"alias","userId":"a"},{"type":"page","userId":"a"},{"userId":"a"},)"
        R"({"type":"weird","userId":"a","timestamp":"yesterday"}]})",
        k_ctx);
    REQUIRE(p.reason == Reason::ok);
    CHECK(has_lint(p.events[0], "track without \"event\""));
    CHECK(has_lint(p.events[1], "group without \"groupId\""));
    CHECK(has_lint(p.events[2], "alias without \"previousId\""));
    CHECK(has_lint(p.events[3], "page without \"name\""));
    CHECK(has_lint(p.events[4], "no \"type\""));
    CHECK(has_lint(p.events[5], "unknown type"));
    CHECK(has_lint(p.events[5], "\"timestamp\" is not an ISO 8601"));
    Prepared big = prepare_single(R"({"userId":"a","event":"e","properties":{"x":")" +
                                      std::string(33000, 'x') + "\"}}",
                                  "track", k_ctx);
    CHECK(has_lint(big.events.at(0), "larger than 32 KB"));
    Prepared clean = prepare_single(test::fixture("events/track.json"), "track", k_ctx);
    CHECK(clean.events.at(0).lint.empty());
}

TEST_CASE("JSON nesting is limited", "[events]") {
    std::string deep(k_max_json_depth, '[');
    deep += std::string(k_max_json_depth, ']');
    CHECK(is_valid_json(deep));
    std::string deeper(k_max_json_depth + 1, '[');
    deeper += std::string(k_max_json_depth + 1, ']');
    CHECK_FALSE(is_valid_json(deeper));
}

TEST_CASE("internal batch messages need their properties and payload fields", "[events]") {
    std::string good =
        R"([{"properties":{"requestType":"track","routingKey":"r","workspaceID":"w","sourceID":"s",)"
        R"("receivedAt":"t","requestIP":"i"},"payload":{"messageId":"m","receivedAt":"t",)"
        R"("request_ip":"i","rudderId":"r","type":"track","userId":"u"}}])";
    Prepared p = prepare_internal_batch(good);
    REQUIRE(p.reason == Reason::ok);
    CHECK(p.events.at(0).message_id == "m");
    CHECK(prepare_internal_batch("[]").reason == Reason::invalid_event);
    CHECK(prepare_internal_batch("{").reason == Reason::invalid_json);
    std::string no_type = good;
    no_type.replace(no_type.find(R"(,"type":"track")"), 15, "");
    CHECK(prepare_internal_batch(no_type).reason == Reason::invalid_event);
    std::string batch_type = no_type;
    batch_type.replace(batch_type.find(R"("requestType":"track")"), 21, R"("requestType":"batch")");
    CHECK(prepare_internal_batch(batch_type).reason == Reason::ok);
}

TEST_CASE("pixel events are built from the query", "[events][pixel]") {
    Prepared p = prepare_pixel(
        "page", {{"writeKey", "wk"}, {"anonymousId", "\"a1\""}, {"properties.price", "9"}}, k_ctx);
    REQUIRE(p.reason == Reason::ok);
    json ev = payload(p);
    CHECK(ev["anonymousId"] == "a1");
    CHECK(ev["properties"]["price"] == "9");
    CHECK(ev["name"] == "Unknown Page");
    CHECK(ev["channel"] == "web");
    CHECK(ev["integrations"]["All"] == true);
    CHECK_FALSE(ev.contains("writeKey"));
    CHECK(prepare_pixel("track", {{"anonymousId", "a"}, {"event", ""}}, k_ctx).events.empty());
    CHECK(prepare_pixel("track", {{"event", "e"}}, k_ctx).reason == Reason::no_ids);
}
