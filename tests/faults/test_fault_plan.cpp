#include "faults/fault_plan.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace rm;

namespace {

std::string plan_error(const std::string& json) {
    auto p = parse_fault_plan(json);
    return p.ok() ? "(parsed)" : p.error().message;
}

// A plan with one rule made of the given sections, e.g. rule_error(R"("trigger":{"first":0})").
std::string rule_error(const std::string& rule_body) {
    return plan_error(R"({"rules":[{)" + rule_body + "}]}");
}

std::string flag_error(const std::string& spec) {
    auto r = parse_fail_flag(spec);
    return r.ok() ? "(parsed)" : r.error().message;
}

bool same_rule(const FaultRule& a, const FaultRule& b) {
    const auto &ma = a.match, &mb = b.match;
    const auto &ta = a.trigger, &tb = b.trigger;
    const auto &ea = a.effect, &eb = b.effect;
    return a.id == b.id && ma.route == mb.route && ma.method == mb.method &&
           ma.write_key == mb.write_key && ma.type == mb.type && ma.min_events == mb.min_events &&
           ta.first == tb.first && ta.every == tb.every && ta.after == tb.after &&
           ta.nth == tb.nth && ta.probability == tb.probability && ta.times == tb.times &&
           ta.from_ms == tb.from_ms && ta.until_ms == tb.until_ms && ea.status == eb.status &&
           ea.headers == eb.headers && ea.body == eb.body && ea.delay_min_ms == eb.delay_min_ms &&
           ea.delay_max_ms == eb.delay_max_ms && ea.delay_is_range == eb.delay_is_range &&
           ea.connection == eb.connection;
}

bool same_plan(const FaultPlan& a, const FaultPlan& b) {
    if (a.seed != b.seed || a.rules.size() != b.rules.size()) {
        return false;
    }
    for (size_t i = 0; i < a.rules.size(); ++i) {
        if (!same_rule(a.rules[i], b.rules[i])) {
            return false;
        }
    }
    return true;
}

const char* const k_full_plan = R"({
  "seed": 7,
  "rules": [
    {
      "id": "throttle",
      "match": {"route": "/v1/*", "method": "post", "write_key": "wk", "type": "track",
                "min_events": 3},
      "trigger": {"first": 10, "every": 2, "after": 1, "nth": [2, 4], "probability": 0.5,
                  "times": 3, "from_ms": 100, "until_ms": 5000},
      "effect": {"status": 429, "headers": {"Retry-After": "2", "X-A": "b"},
                 "body": "slow down", "delay_ms": [10, 20]}
    },
    {"effect": {"connection": "truncate", "delay_ms": 5}}
  ]
})";

} // namespace

TEST_CASE("a plan with every key parses into the struct", "[faultplan]") {
    auto p = parse_fault_plan(k_full_plan);
    REQUIRE(p.ok());
    CHECK(p->seed == 7);
    REQUIRE(p->rules.size() == 2);
    const FaultRule& r = p->rules[0];
    CHECK(r.id == "throttle");
    CHECK(r.match.route == "/v1/*");
    CHECK(r.match.method == "POST");
    CHECK(r.match.write_key == "wk");
    CHECK(r.match.type == "track");
    CHECK(r.match.min_events == 3);
    CHECK(r.trigger.first == 10);
    CHECK(r.trigger.every == 2);
    CHECK(r.trigger.after == 1);
    CHECK(r.trigger.nth == std::vector<int64_t>{2, 4});
    CHECK(r.trigger.probability == 0.5);
    CHECK(r.trigger.times == 3);
    CHECK(r.trigger.from_ms == 100);
    CHECK(r.trigger.until_ms == 5000);
    CHECK(r.effect.status == 429);
    using Headers = std::vector<std::pair<std::string, std::string>>;
    CHECK(r.effect.headers == Headers{{"Retry-After", "2"}, {"X-A", "b"}});
    CHECK(r.effect.body == "slow down");
    CHECK(r.effect.delay_min_ms == 10);
    CHECK(r.effect.delay_max_ms == 20);
    CHECK(r.effect.delay_is_range);
    CHECK(r.effect.connection == ConnectionFault::none);
    const FaultRule& r2 = p->rules[1];
    CHECK(r2.id == "r2");
    CHECK(r2.effect.connection == ConnectionFault::truncate);
    CHECK(r2.effect.delay_min_ms == 5);
    CHECK(r2.effect.delay_max_ms == 5);
    CHECK_FALSE(r2.effect.delay_is_range);
}

TEST_CASE("omitted fields keep their defaults", "[faultplan]") {
    auto empty = parse_fault_plan(R"({"rules":[]})");
    REQUIRE(empty.ok());
    CHECK(empty->seed == 0);
    CHECK(empty->rules.empty());

    auto p = parse_fault_plan(R"({"rules":[{"effect":{"status":500}}]})");
    REQUIRE(p.ok());
    const FaultRule& r = p->rules[0];
    CHECK(r.id == "r1");
    CHECK(r.match.route.empty());
    CHECK(r.match.min_events == 0);
    CHECK_FALSE(r.trigger.first.has_value());
    CHECK_FALSE(r.trigger.probability.has_value());
    CHECK(r.trigger.nth.empty());
    CHECK(r.effect.headers.empty());
    CHECK_FALSE(r.effect.body.has_value());
    CHECK(r.effect.delay_max_ms == 0);
    CHECK(r.effect.connection == ConnectionFault::none);
}

TEST_CASE("ids are generated from the position and must be unique", "[faultplan]") {
    auto p = parse_fault_plan(
        R"({"rules":[{"effect":{"status":500}},{"id":"x","effect":{"status":500}},
                     {"effect":{"status":500}}]})");
    REQUIRE(p.ok());
    CHECK(p->rules[0].id == "r1");
    CHECK(p->rules[1].id == "x");
    CHECK(p->rules[2].id == "r3");
    CHECK(plan_error(R"({"rules":[{"effect":{"status":500}},{"effect":{"status":500}},
                                  {"id":"r1","effect":{"status":500}}]})") ==
          "rules[2].id: duplicate id 'r1'");
    CHECK(rule_error(R"("id":"","effect":{"status":500})") == "rules[0].id: must not be empty");
    CHECK(rule_error(R"("id":3,"effect":{"status":500})") == "rules[0].id: must be a string");
}

TEST_CASE("plan errors name the field", "[faultplan]") {
    CHECK(plan_error("{\"rules\": [") == "fault plan: invalid JSON at byte 12");
    CHECK(plan_error("") == "fault plan: invalid JSON at byte 1");
    CHECK(plan_error("[]").find("fault plan: must be an object") == 0);
    CHECK(plan_error("{}") == "rules: must be an array (it may be empty)");
    CHECK(plan_error(R"({"rules":{}})") == "rules: must be an array (it may be empty)");
    CHECK(plan_error(R"({"seed":-1,"rules":[]})") == "seed: must be a non-negative integer");
    CHECK(plan_error(R"({"seed":1.5,"rules":[]})") == "seed: must be a non-negative integer");
    CHECK(plan_error(R"({"rules":[],"sed":1})") == "sed: unknown key (expected seed, rules)");
    CHECK(plan_error(R"({"rules":[3]})") == "rules[0]: must be an object");
    CHECK(rule_error(R"("efect":{})") ==
          "rules[0].efect: unknown key (expected id, match, trigger, effect)");
    CHECK(rule_error(R"("trigger":{"frist":1},"effect":{"status":500})") ==
          "rules[0].trigger.frist: unknown key (expected first, every, after, nth, probability, "
          "times, from_ms, until_ms)");
    CHECK(rule_error(R"("match":{"path":"/"},"effect":{"status":500})") ==
          "rules[0].match.path: unknown key (expected route, method, write_key, type, "
          "min_events)");
    CHECK(rule_error(R"("effect":{"code":500})") ==
          "rules[0].effect.code: unknown key (expected status, headers, body, delay_ms, "
          "connection)");
    CHECK(plan_error(R"({"rules":[{"effect":{"status":500}},{"effect":{"status":"500"}}]})") ==
          "rules[1].effect.status: must be an integer");
    CHECK(rule_error(R"("effect":{"status":503.0})") ==
          "rules[0].effect.status: must be an integer");
    CHECK(rule_error(R"("effect":{"status":600})") ==
          "rules[0].effect.status: must be between 400 and 599");
    CHECK(rule_error(R"("effect":{"status":200})") ==
          "rules[0].effect.status: must be between 400 and 599");
    CHECK(rule_error(R"("effect":{"status":18446744073709551615})") ==
          "rules[0].effect.status: must be between 400 and 599");
    CHECK(rule_error(R"("match":[],"effect":{"status":500})") ==
          "rules[0].match: must be an object");
}

TEST_CASE("trigger values are range checked", "[faultplan]") {
    auto trig = [](const std::string& t) {
        return rule_error(R"("trigger":{)" + t + R"(},"effect":{"status":500})");
    };
    CHECK(trig(R"("probability":1.5)") == "rules[0].trigger.probability: must be between 0 and 1");
    CHECK(trig(R"("probability":-0.1)") == "rules[0].trigger.probability: must be between 0 and 1");
    CHECK(trig(R"("probability":"high")") == "rules[0].trigger.probability: must be a number");
    CHECK(trig(R"("probability":1)") == "(parsed)");
    CHECK(trig(R"("probability":0)") == "(parsed)");
    CHECK(trig(R"("first":0)") == "rules[0].trigger.first: must be at least 1");
    CHECK(trig(R"("every":0)") == "rules[0].trigger.every: must be at least 1");
    CHECK(trig(R"("times":0)") == "rules[0].trigger.times: must be at least 1");
    CHECK(trig(R"("times":true)") == "rules[0].trigger.times: must be an integer");
    CHECK(trig(R"("after":-1)") == "rules[0].trigger.after: must be at least 0");
    CHECK(trig(R"("after":0)") == "(parsed)");
    CHECK(trig(R"("nth":[])") == "rules[0].trigger.nth: must be a non-empty array of integers");
    CHECK(trig(R"("nth":3)") == "rules[0].trigger.nth: must be a non-empty array of integers");
    CHECK(trig(R"("nth":[1,"2"])") == "rules[0].trigger.nth[1]: must be an integer");
    CHECK(trig(R"("nth":[1,0])") == "rules[0].trigger.nth[1]: must be at least 1");
    CHECK(trig(R"("from_ms":-5)") == "rules[0].trigger.from_ms: must be at least 0");
    CHECK(trig(R"("until_ms":-5)") == "rules[0].trigger.until_ms: must be at least 0");
    CHECK(trig(R"("from_ms":100,"until_ms":100)") ==
          "rules[0].trigger.until_ms: must be greater than from_ms");
    CHECK(trig(R"("until_ms":100)") == "(parsed)");
    CHECK(trig(R"("every":18446744073709551615)") == "rules[0].trigger.every: is too large");
}

TEST_CASE("match and effect values are checked", "[faultplan]") {
    auto eff = [](const std::string& e) { return rule_error(R"("effect":{)" + e + "}"); };
    CHECK(rule_error(R"("match":{"route":"v1/batch"},"effect":{"status":500})") ==
          "rules[0].match.route: must start with '/'");
    CHECK(rule_error(R"("match":{"route":5},"effect":{"status":500})") ==
          "rules[0].match.route: must be a string");
    CHECK(rule_error(R"("match":{"method":1},"effect":{"status":500})") ==
          "rules[0].match.method: must be a string");
    CHECK(rule_error(R"("match":{"write_key":""},"effect":{"status":500})") ==
          "rules[0].match.write_key: must not be empty");
    CHECK(rule_error(R"("match":{"type":null},"effect":{"status":500})") ==
          "rules[0].match.type: must be a string");
    CHECK(rule_error(R"("match":{"min_events":-1},"effect":{"status":500})") ==
          "rules[0].match.min_events: must be at least 0");
    CHECK(eff("") == "rules[0].effect: needs status, delay_ms or connection");
    CHECK(rule_error("") == "rules[0].effect: needs status, delay_ms or connection");
    CHECK(eff(R"("body":"x")") == "rules[0].effect: needs status, delay_ms or connection");
    CHECK(eff(R"("status":500,"connection":"reset")") ==
          "rules[0].effect: status and connection exclude each other");
    CHECK(eff(R"("connection":"drop")") ==
          "rules[0].effect.connection: must be one of reset, close, hang, truncate");
    CHECK(eff(R"("connection":1)") ==
          "rules[0].effect.connection: must be one of reset, close, hang, truncate");
    CHECK(eff(R"("delay_ms":600001)") == "rules[0].effect.delay_ms: must be between 0 and 600000");
    CHECK(eff(R"("delay_ms":-1)") == "rules[0].effect.delay_ms: must be between 0 and 600000");
    CHECK(eff(R"("delay_ms":[5,600001])") ==
          "rules[0].effect.delay_ms: must be between 0 and 600000");
    CHECK(eff(R"("delay_ms":[800,200])") == "rules[0].effect.delay_ms: min must not exceed max");
    CHECK(eff(R"("delay_ms":[1,2,3])") ==
          "rules[0].effect.delay_ms: must be an integer or an array of two integers [min, max]");
    CHECK(eff(R"("delay_ms":"200")") ==
          "rules[0].effect.delay_ms: must be an integer or an array of two integers [min, max]");
    CHECK(eff(R"("delay_ms":[0,600000])") == "(parsed)");
    CHECK(eff(R"("status":500,"headers":[])") ==
          "rules[0].effect.headers: must be an object of strings");
    CHECK(eff(R"("status":500,"headers":{"X-N":1})") ==
          "rules[0].effect.headers.X-N: must be a string");
    CHECK(eff(R"("status":500,"headers":{"":"v"})") ==
          "rules[0].effect.headers: a header name must not be empty");
    CHECK(eff(R"("status":500,"headers":{"X-A":"a\r\nSet-Cookie: x"})") ==
          "rules[0].effect.headers.X-A: must not contain CR or LF");
    CHECK(eff(R"("status":500,"body":{})") == "rules[0].effect.body: must be a string");
}

TEST_CASE("a plan survives the JSON round trip", "[faultplan]") {
    auto p = parse_fault_plan(k_full_plan);
    REQUIRE(p.ok());
    std::string text = fault_plan_json(*p);
    auto again = parse_fault_plan(text);
    REQUIRE(again.ok());
    CHECK(same_plan(*p, *again));
    CHECK(fault_plan_json(*again) == text);
    CHECK(text.find(R"({"seed":7,"rules":[{"id":"throttle","match":{"route":"/v1/*",)") == 0);
    CHECK(text.find(R"("headers":{"Retry-After":"2","X-A":"b"})") != std::string::npos);
    CHECK(text.find(R"("delay_ms":[10,20])") != std::string::npos);
    CHECK(text.find(R"({"id":"r2","match":{},"trigger":{},)"
                    R"("effect":{"delay_ms":5,"connection":"truncate"}})") != std::string::npos);

    auto flags = FaultPlan{3,
                           {*parse_fail_flag("429:/v1/batch:every=5:retry-after=2:nth=1,3"),
                            *parse_delay_flag("200-800"), *parse_fail_flag("reset:first=1")}};
    auto back = parse_fault_plan(fault_plan_json(flags));
    REQUIRE(back.ok());
    CHECK(same_plan(flags, *back));
}

TEST_CASE("route patterns match exactly or as globs", "[faultplan]") {
    CHECK(route_matches("/v1/*", "/v1/batch"));
    CHECK(route_matches("/v1/*", "/v1/track"));
    CHECK(route_matches("/v1/*", "/v1/"));
    CHECK_FALSE(route_matches("/v1/*", "/v1"));
    CHECK_FALSE(route_matches("/v1/*", "/beacon/v1/batch"));
    CHECK(route_matches("/v1/batch", "/v1/batch"));
    CHECK_FALSE(route_matches("/v1/batch", "/v1/batch2"));
    CHECK_FALSE(route_matches("/v1/batch", "/v1/track"));
    CHECK(route_matches("", "/anything"));
    CHECK(route_matches("*", "/internal/v1/retl"));
    CHECK(route_matches("*/batch", "/beacon/v1/batch"));
    CHECK(route_matches("/*/v1/*", "/internal/v1/batch"));
    CHECK_FALSE(route_matches("/*/v1/*", "/v1/batch"));
    CHECK(route_matches("/v1/*a*", "/v1/batch"));
    CHECK_FALSE(route_matches("/v1/*z*", "/v1/batch"));
    CHECK(route_matches("/a*b*c", "/aXbYbZc"));
}

TEST_CASE("connection faults have names", "[faultplan]") {
    CHECK(connection_fault_name(ConnectionFault::none).empty());
    CHECK(connection_fault_name(ConnectionFault::reset) == "reset");
    CHECK(connection_fault_name(ConnectionFault::close) == "close");
    CHECK(connection_fault_name(ConnectionFault::hang) == "hang");
    CHECK(connection_fault_name(ConnectionFault::truncate) == "truncate");
}

TEST_CASE("quick flags: --fail builds rules", "[faultplan]") {
    auto r = parse_fail_flag("401");
    REQUIRE(r.ok());
    CHECK(r->id == "fail 401");
    CHECK(r->effect.status == 401);
    CHECK(r->match.route.empty());

    r = parse_fail_flag("404:/v1/batch");
    REQUIRE(r.ok());
    CHECK(r->effect.status == 404);
    CHECK(r->match.route == "/v1/batch");

    r = parse_fail_flag("413:first=3");
    REQUIRE(r.ok());
    CHECK(r->trigger.first == 3);

    r = parse_fail_flag("429:every=5:retry-after=2");
    REQUIRE(r.ok());
    CHECK(r->id == "fail 429:every=5:retry-after=2");
    CHECK(r->effect.status == 429);
    CHECK(r->trigger.every == 5);
    using Headers = std::vector<std::pair<std::string, std::string>>;
    CHECK(r->effect.headers == Headers{{"Retry-After", "2"}});

    r = parse_fail_flag("503:probability=0.1");
    REQUIRE(r.ok());
    CHECK(r->trigger.probability == 0.1);

    r = parse_fail_flag("reset:first=1");
    REQUIRE(r.ok());
    CHECK(r->id == "fail reset:first=1");
    CHECK(r->effect.connection == ConnectionFault::reset);
    CHECK(r->effect.status == 0);
    CHECK(r->trigger.first == 1);

    r = parse_fail_flag("500:/v1/*:after=2:nth=3,5:times=2:key=wk:type=track:min-events=4:"
                        "delay=100-300");
    REQUIRE(r.ok());
    CHECK(r->match.route == "/v1/*");
    CHECK(r->trigger.after == 2);
    CHECK(r->trigger.nth == std::vector<int64_t>{3, 5});
    CHECK(r->trigger.times == 2);
    CHECK(r->match.write_key == "wk");
    CHECK(r->match.type == "track");
    CHECK(r->match.min_events == 4);
    CHECK(r->effect.delay_min_ms == 100);
    CHECK(r->effect.delay_max_ms == 300);
    CHECK(r->effect.delay_is_range);

    r = parse_fail_flag("hang:delay=50");
    REQUIRE(r.ok());
    CHECK(r->effect.connection == ConnectionFault::hang);
    CHECK(r->effect.delay_max_ms == 50);
    CHECK_FALSE(r->effect.delay_is_range);
    CHECK(parse_fail_flag("close")->effect.connection == ConnectionFault::close);
    CHECK(parse_fail_flag("truncate")->effect.connection == ConnectionFault::truncate);
    CHECK(parse_fail_flag("429:retry-after=0").ok());
}

TEST_CASE("bad --fail flags name the bad part", "[faultplan]") {
    const std::string what = "expected a status from 400 to 599 or reset, close, hang, truncate";
    CHECK(flag_error("429:evry=5") ==
          "--fail '429:evry=5': unknown option 'evry' (expected first, every, after, nth, "
          "probability, times, retry-after, key, type, min-events, delay)");
    CHECK(flag_error("700") == "--fail '700': " + what);
    CHECK(flag_error("399") == "--fail '399': " + what);
    CHECK(flag_error("") == "--fail '': " + what);
    CHECK(flag_error("drop:first=1") == "--fail 'drop:first=1': " + what);
    CHECK(flag_error("/v1/batch") == "--fail '/v1/batch': " + what);
    CHECK(flag_error("503:probability=2") ==
          "--fail '503:probability=2': probability must be between 0 and 1");
    CHECK(flag_error("503:probability=often") ==
          "--fail '503:probability=often': probability must be a number");
    CHECK(flag_error("413:first=0") == "--fail '413:first=0': first must be at least 1");
    CHECK(flag_error("413:every=x") == "--fail '413:every=x': every must be an integer");
    CHECK(flag_error("413:times=0") == "--fail '413:times=0': times must be at least 1");
    CHECK(flag_error("413:after=-1") == "--fail '413:after=-1': after must be at least 0");
    CHECK(flag_error("413:nth=2,0") == "--fail '413:nth=2,0': nth must be at least 1");
    CHECK(flag_error("413:nth=") ==
          "--fail '413:nth=': nth must be a comma-separated list of integers, e.g. nth=2,5");
    CHECK(flag_error("413:min-events=-1") ==
          "--fail '413:min-events=-1': min-events must be at least 0");
    CHECK(flag_error("429:retry-after=-1") ==
          "--fail '429:retry-after=-1': retry-after must be at least 0");
    CHECK(flag_error("429:retry-after=soon") ==
          "--fail '429:retry-after=soon': retry-after must be an integer");
    CHECK(flag_error("401:key=") == "--fail '401:key=': key needs a value");
    CHECK(flag_error("500:delay=fast") ==
          "--fail '500:delay=fast': delay must be MS or MIN-MAX milliseconds, e.g. 200-800");
    CHECK(flag_error("500:delay=700000") ==
          "--fail '500:delay=700000': delay must be between 0 and 600000");
    CHECK(flag_error("500:delay=800-200") ==
          "--fail '500:delay=800-200': delay min must not exceed max");
    CHECK(flag_error("500:every") ==
          "--fail '500:every': expected NAME=VALUE or a /route, got 'every'");
    CHECK(flag_error("500::every=2") == "--fail '500::every=2': expected NAME=VALUE or a /route, "
                                        "got ''");
    CHECK(flag_error("500:every=2:every=3") ==
          "--fail '500:every=2:every=3': every is given twice");
    CHECK(flag_error("500:/a:/b") == "--fail '500:/a:/b': route is given twice");
}

TEST_CASE("quick flags: --delay builds delay-only rules", "[faultplan]") {
    auto r = parse_delay_flag("200");
    REQUIRE(r.ok());
    CHECK(r->id == "delay 200");
    CHECK(r->effect.delay_min_ms == 200);
    CHECK(r->effect.delay_max_ms == 200);
    CHECK_FALSE(r->effect.delay_is_range);
    CHECK(r->effect.status == 0);

    r = parse_delay_flag("200-800");
    REQUIRE(r.ok());
    CHECK(r->id == "delay 200-800");
    CHECK(r->effect.delay_min_ms == 200);
    CHECK(r->effect.delay_max_ms == 800);
    CHECK(r->effect.delay_is_range);
    CHECK(parse_delay_flag("0-100").ok());

    const std::string syntax = "expected MS or MIN-MAX milliseconds, e.g. 200-800";
    CHECK(parse_delay_flag("x").error().message == "--delay 'x': " + syntax);
    CHECK(parse_delay_flag("").error().message == "--delay '': " + syntax);
    CHECK(parse_delay_flag("200-").error().message == "--delay '200-': " + syntax);
    CHECK(parse_delay_flag("-5").error().message == "--delay '-5': " + syntax);
    CHECK(parse_delay_flag("1-2-3").error().message == "--delay '1-2-3': " + syntax);
    CHECK(parse_delay_flag("700000").error().message ==
          "--delay '700000': must be between 0 and 600000");
    CHECK(parse_delay_flag("800-200").error().message ==
          "--delay '800-200': min must not exceed max");
    CHECK(parse_delay_flag("0").error().message.find("--delay '0': ") == 0);
}

TEST_CASE("every ready plan in fixtures/faults parses", "[faultplan]") {
    namespace fs = std::filesystem;
    size_t count = 0;
    for (const auto& entry : fs::directory_iterator(fs::path(RUDDERMOCK_FIXTURES_DIR) / "faults")) {
        if (entry.path().extension() != ".json") {
            continue;
        }
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        auto p = parse_fault_plan(text.str());
        INFO(entry.path().filename().string());
        CHECK(p.ok());
        if (p.ok()) {
            CHECK_FALSE(p->rules.empty());
            CHECK(p->rules[0].id != "r1"); // a readable id, not a generated one
            CHECK(same_plan(*p, *parse_fault_plan(fault_plan_json(*p))));
        }
        ++count;
    }
    CHECK(count >= 6);

    std::ifstream in(fs::path(RUDDERMOCK_FIXTURES_DIR) / "faults" / "429-every-5th-batch.json");
    std::stringstream text;
    text << in.rdbuf();
    auto p = parse_fault_plan(text.str());
    REQUIRE(p.ok());
    CHECK(p->rules[0].match.route == "/v1/batch");
    CHECK(p->rules[0].trigger.every == 5);
    CHECK(p->rules[0].effect.status == 429);
    using Headers = std::vector<std::pair<std::string, std::string>>;
    CHECK(p->rules[0].effect.headers == Headers{{"Retry-After", "1"}});
}
