#include "faults/fault_engine.hpp"
#include "faults/fault_presets.hpp"

#include <catch2/catch.hpp>

using namespace rm;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

FaultRule make(FaultPreset preset, const PresetOptions& options = {},
               const FaultPlan& existing = {}) {
    auto r = make_preset_rule(preset, options, existing);
    INFO((r ? std::string("ok") : r.error().message));
    REQUIRE(r.ok());
    return *r;
}

std::string make_error_text(FaultPreset preset, const PresetOptions& options) {
    auto r = make_preset_rule(preset, options, {});
    return r ? "(made)" : r.error().message;
}

PresetOptions on(std::string route, std::string key = "") {
    PresetOptions o;
    o.route = std::move(route);
    o.write_key = std::move(key);
    return o;
}

// The rule as it reads back from the plan's JSON form.
FaultRule round_trip(const FaultRule& rule) {
    FaultPlan plan;
    plan.seed = 3;
    plan.rules.push_back(rule);
    auto parsed = parse_fault_plan(fault_plan_json(plan));
    INFO((parsed ? std::string("ok") : parsed.error().message));
    REQUIRE(parsed.ok());
    REQUIRE(parsed->rules.size() == 1);
    return parsed->rules[0];
}

void check_same(const FaultRule& a, const FaultRule& b) {
    CHECK(a.id == b.id);
    CHECK(a.match.route == b.match.route);
    CHECK(a.match.write_key == b.match.write_key);
    CHECK(a.trigger.first == b.trigger.first);
    CHECK(a.trigger.every == b.trigger.every);
    CHECK(a.trigger.probability == b.trigger.probability);
    CHECK(a.effect.status == b.effect.status);
    CHECK(a.effect.headers == b.effect.headers);
    CHECK(a.effect.body == b.effect.body);
    CHECK(a.effect.delay_min_ms == b.effect.delay_min_ms);
    CHECK(a.effect.delay_max_ms == b.effect.delay_max_ms);
    CHECK(a.effect.delay_is_range == b.effect.delay_is_range);
    CHECK(a.effect.connection == b.effect.connection);
}

const FaultPreset k_all[] = {FaultPreset::unauthorized, FaultPreset::disabled,
                             FaultPreset::too_large,    FaultPreset::rate_limited,
                             FaultPreset::server_error, FaultPreset::unavailable,
                             FaultPreset::slow,         FaultPreset::reset};

} // namespace

TEST_CASE("each status preset gives its status and nothing else", "[presets]") {
    struct Case {
        FaultPreset preset;
        int status;
    };
    const Case cases[] = {{FaultPreset::unauthorized, 401},
                          {FaultPreset::disabled, 404},
                          {FaultPreset::too_large, 413},
                          {FaultPreset::server_error, 500},
                          {FaultPreset::unavailable, 503}};
    for (const Case& c : cases) {
        FaultRule r = make(c.preset, on("/v1/track", "wk"));
        INFO(r.id);
        CHECK(r.effect.status == c.status);
        CHECK(r.effect.headers.empty());
        CHECK_FALSE(r.effect.body.has_value());
        CHECK(r.effect.delay_max_ms == 0);
        CHECK(r.effect.connection == ConnectionFault::none);
        CHECK(r.match.route == "/v1/track");
        CHECK(r.match.write_key == "wk");
        CHECK(r.match.method.empty());
        CHECK(r.id == std::to_string(c.status) + "-track-1");
    }
}

TEST_CASE("429 carries Retry-After unless asked not to", "[presets]") {
    PresetOptions o = on("/v1/batch");
    o.retry_after_s = 2;
    FaultRule r = make(FaultPreset::rate_limited, o);
    CHECK(r.id == "429-batch-1");
    CHECK(r.effect.status == 429);
    CHECK(r.effect.headers == Headers{{"Retry-After", "2"}});

    CHECK(make(FaultPreset::rate_limited).effect.headers == Headers{{"Retry-After", "1"}});
    o.retry_after_s = 0;
    CHECK(make(FaultPreset::rate_limited, o).effect.headers == Headers{{"Retry-After", "0"}});
    o.retry_after_s = std::nullopt;
    CHECK(make(FaultPreset::rate_limited, o).effect.headers.empty());
    // Other presets ignore it.
    CHECK(make(FaultPreset::unavailable, o).effect.headers.empty());
}

TEST_CASE("slow is a delay-only rule - reset a connection fault", "[presets]") {
    FaultRule slow = make(FaultPreset::slow, on("/v1/*"));
    CHECK(slow.id == "slow-all-1");
    CHECK(slow.effect.status == 0);
    CHECK(slow.effect.delay_min_ms == 200);
    CHECK(slow.effect.delay_max_ms == 800);
    CHECK(slow.effect.delay_is_range);
    CHECK(slow.effect.connection == ConnectionFault::none);

    PresetOptions fixed;
    fixed.delay_min_ms = fixed.delay_max_ms = 300;
    FaultRule exact = make(FaultPreset::slow, fixed);
    CHECK(exact.id == "slow-any-1");
    CHECK(exact.effect.delay_min_ms == 300);
    CHECK(exact.effect.delay_max_ms == 300);
    CHECK_FALSE(exact.effect.delay_is_range);

    FaultRule reset = make(FaultPreset::reset, on("/v1/identify"));
    CHECK(reset.id == "reset-identify-1");
    CHECK(reset.effect.status == 0);
    CHECK(reset.effect.connection == ConnectionFault::reset);
    CHECK(reset.effect.delay_max_ms == 0);
}

TEST_CASE("the trigger choice sets exactly one condition", "[presets]") {
    PresetOptions o = on("/v1/page");
    FaultRule always = make(FaultPreset::server_error, o);
    CHECK_FALSE(always.trigger.first.has_value());
    CHECK_FALSE(always.trigger.every.has_value());
    CHECK_FALSE(always.trigger.probability.has_value());
    CHECK(describe_trigger(always.trigger) == "always");

    o.trigger = PresetTrigger::first_n;
    o.n = 3;
    FaultRule first = make(FaultPreset::server_error, o);
    CHECK(first.trigger.first == 3);
    CHECK_FALSE(first.trigger.every.has_value());
    CHECK(describe_trigger(first.trigger) == "first 3");

    o.trigger = PresetTrigger::every_nth;
    o.n = 5;
    FaultRule every = make(FaultPreset::server_error, o);
    CHECK(every.trigger.every == 5);
    CHECK_FALSE(every.trigger.first.has_value());
    CHECK(describe_trigger(every.trigger) == "every 5th");

    o.trigger = PresetTrigger::probability;
    o.probability = 0.25;
    FaultRule p = make(FaultPreset::server_error, o);
    CHECK(p.trigger.probability == 0.25);
    CHECK_FALSE(p.trigger.every.has_value());
    CHECK(describe_trigger(p.trigger) == "p=0.25");
}

TEST_CASE("ids stay unique within the plan", "[presets]") {
    FaultPlan plan;
    for (int i = 0; i < 3; ++i) {
        plan.rules.push_back(make(FaultPreset::rate_limited, on("/v1/batch"), plan));
    }
    CHECK(plan.rules[0].id == "429-batch-1");
    CHECK(plan.rules[1].id == "429-batch-2");
    CHECK(plan.rules[2].id == "429-batch-3");
    // A gap is reused; a hand-written id is respected.
    plan.rules.erase(plan.rules.begin());
    CHECK(make(FaultPreset::rate_limited, on("/v1/batch"), plan).id == "429-batch-1");
    plan.rules[0].id = "slow-all-1";
    CHECK(make(FaultPreset::slow, on("/v1/*"), plan).id == "slow-all-2");
    // Routes give readable stems.
    CHECK(make(FaultPreset::reset, on("/beacon/v1/batch")).id == "reset-beacon-v1-batch-1");
    CHECK(make(FaultPreset::reset, on("/v1/t*")).id == "reset-t-all-1");
    CHECK(make(FaultPreset::reset, on("/")).id == "reset-root-1");
    // Every preset and route makes a plan the parser takes (no duplicate ids).
    FaultPlan all;
    for (FaultPreset preset : k_all) {
        for (const char* route : {"", "/v1/*", "/v1/batch", "/v1/batch"}) {
            all.rules.push_back(make(preset, on(route), all));
        }
    }
    auto parsed = parse_fault_plan(fault_plan_json(all));
    REQUIRE(parsed.ok());
    CHECK(parsed->rules.size() == all.rules.size());
}

TEST_CASE("every preset round-trips through the plan's JSON form", "[presets]") {
    PresetOptions o = on("/v1/batch", "key-1");
    const PresetTrigger triggers[] = {PresetTrigger::always, PresetTrigger::first_n,
                                      PresetTrigger::every_nth, PresetTrigger::probability};
    for (FaultPreset preset : k_all) {
        for (PresetTrigger t : triggers) {
            o.trigger = t;
            o.n = 4;
            o.probability = 0.1;
            FaultRule r = make(preset, o);
            INFO(r.id << " trigger " << static_cast<int>(t));
            check_same(r, round_trip(r));
        }
    }
    FaultPlan plan;
    plan.seed = 9;
    plan.rules.push_back(make(FaultPreset::slow, o));
    auto pretty = parse_fault_plan(fault_plan_json_pretty(plan));
    REQUIRE(pretty.ok());
    CHECK(pretty->seed == 9);
    CHECK(fault_plan_json(*pretty) == fault_plan_json(plan));
    CHECK(fault_plan_json_pretty(plan).find("\n  \"rules\"") != std::string::npos);
    CHECK(fault_plan_json_pretty(plan).find("\"delay_ms\": [200, 800]") != std::string::npos);
    CHECK(fault_plan_json_pretty(FaultPlan{}) == "{\n  \"seed\": 0,\n  \"rules\": []\n}");
}

TEST_CASE("options out of range are errors naming the option", "[presets]") {
    PresetOptions o;
    o.route = "v1/batch";
    CHECK(make_error_text(FaultPreset::unauthorized, o).starts_with("route: must start with '/'"));
    o = {};
    o.trigger = PresetTrigger::every_nth;
    o.n = 0;
    CHECK(make_error_text(FaultPreset::unauthorized, o) == "every N: must be at least 1");
    o.trigger = PresetTrigger::first_n;
    CHECK(make_error_text(FaultPreset::unauthorized, o) == "first N: must be at least 1");
    o = {};
    o.trigger = PresetTrigger::probability;
    o.probability = 1.5;
    CHECK(make_error_text(FaultPreset::unauthorized, o) == "probability: must be between 0 and 1");
    o.probability = 1.0;
    CHECK(make_error_text(FaultPreset::unauthorized, o) == "(made)");
    o = {};
    o.retry_after_s = -1;
    CHECK(make_error_text(FaultPreset::rate_limited, o) ==
          "Retry-After: must be at least 0 seconds");
    CHECK(make_error_text(FaultPreset::server_error, o) == "(made)"); // not its option
    o = {};
    o.delay_min_ms = 900;
    CHECK(make_error_text(FaultPreset::slow, o) == "delay: min must not exceed max");
    o.delay_min_ms = 0;
    o.delay_max_ms = 0;
    CHECK(make_error_text(FaultPreset::slow, o).starts_with("delay: a delay of 0 ms"));
    o.delay_max_ms = 700000;
    CHECK(make_error_text(FaultPreset::slow, o) == "delay: must be between 0 and 600000 ms");
    o = {};
    o.write_key = "bad\nkey";
    CHECK(make_error_text(FaultPreset::unauthorized, o) == "(made)"); // any bytes match
}

TEST_CASE("preset rules behave as their trigger says in the engine", "[presets]") {
    PresetOptions o = on("/v1/batch");
    o.trigger = PresetTrigger::every_nth;
    o.n = 3;
    FaultPlan plan;
    plan.rules.push_back(make(FaultPreset::rate_limited, o, plan));
    o.trigger = PresetTrigger::first_n;
    o.n = 1;
    o.route = "/v1/*";
    plan.rules.push_back(make(FaultPreset::reset, o, plan));
    FaultEngine engine;
    engine.set(plan);
    std::vector<std::string> fired;
    for (int i = 0; i < 6; ++i) {
        auto d = engine.decide({"POST", "/v1/batch", "wk", nullptr});
        fired.push_back(d ? d->rule_id : "-");
    }
    CHECK(fired ==
          std::vector<std::string>{"reset-all-1", "-", "429-batch-1", "-", "-", "429-batch-1"});
    auto snap = engine.snapshot();
    REQUIRE(snap);
    CHECK(snap->counts[0].matched == 6);
    CHECK(snap->counts[0].fired == 2);
    CHECK(snap->counts[1].matched == 4); // not asked after 429 fired
    CHECK(snap->counts[1].fired == 1);
}

TEST_CASE("summaries and moves for the rules table", "[presets]") {
    FaultMatch m;
    CHECK(describe_match(m) == "any route");
    m.route = "/v1/batch";
    m.write_key = "wk";
    m.type = "track";
    m.min_events = 50;
    CHECK(describe_match(m) == "/v1/batch, key wk, type track, >= 50 events");

    FaultTrigger t;
    t.every = 2;
    t.times = 1;
    CHECK(describe_trigger(t) == "every 2nd, at most 1 time");
    t.every = 1;
    CHECK(describe_trigger(t) == "every request, at most 1 time");
    t = {};
    t.every = 13;
    t.nth = {2, 5};
    CHECK(describe_trigger(t) == "every 13th, nth 2,5");

    CHECK(describe_effect(make(FaultPreset::rate_limited).effect) == "429 + Retry-After: 1");
    CHECK(describe_effect(make(FaultPreset::slow).effect) == "delay 200-800 ms");
    CHECK(describe_effect(make(FaultPreset::reset).effect) == "connection reset");
    FaultEffect e;
    e.delay_min_ms = e.delay_max_ms = 50;
    e.status = 503;
    e.body = "x";
    CHECK(describe_effect(e) == "delay 50 ms, 503 + custom body");

    FaultPlan plan;
    for (const char* id : {"a", "b", "c"}) {
        FaultRule r;
        r.id = id;
        plan.rules.push_back(r);
    }
    auto ids = [&] {
        std::string s;
        for (const auto& r : plan.rules) {
            s += r.id;
        }
        return s;
    };
    CHECK(move_fault_rule(plan, 0, 1));
    CHECK(ids() == "bac");
    CHECK(move_fault_rule(plan, 2, -1));
    CHECK(ids() == "bca");
    CHECK_FALSE(move_fault_rule(plan, 0, -1));
    CHECK_FALSE(move_fault_rule(plan, 2, 1));
    CHECK_FALSE(move_fault_rule(plan, 7, 1));
    CHECK(ids() == "bca");
}
