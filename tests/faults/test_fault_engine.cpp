#include "faults/fault_engine.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <thread>

using namespace rm;

namespace {
FaultRule rule(std::string id, FaultTrigger trigger, int status = 503) {
    FaultRule r;
    r.id = std::move(id);
    r.trigger = std::move(trigger);
    r.effect.status = status;
    return r;
}

FaultPlan plan_of(std::vector<FaultRule> rules, uint64_t seed = 7) {
    FaultPlan p;
    p.seed = seed;
    p.rules = std::move(rules);
    return p;
}

std::vector<EventRecord> events_of(std::vector<std::string> types) {
    std::vector<EventRecord> out;
    for (auto& t : types) {
        EventRecord e;
        e.type = std::move(t);
        out.push_back(std::move(e));
    }
    return out;
}

// Which of n requests to path fire (1-based ordinals).
std::vector<int> firing(FaultEngine& engine, int n, const std::string& path = "/v1/batch") {
    std::vector<int> out;
    auto events = events_of({"track"});
    for (int i = 1; i <= n; ++i) {
        if (engine.decide({"POST", path, "wk", &events})) {
            out.push_back(i);
        }
    }
    return out;
}
} // namespace

TEST_CASE("no plan: nothing fires", "[faultengine]") {
    FaultEngine engine;
    CHECK_FALSE(engine.active());
    CHECK(firing(engine, 5).empty());
    CHECK_FALSE(engine.snapshot());
}

TEST_CASE("triggers: first - every - after - nth - times", "[faultengine]") {
    FaultEngine engine;
    FaultTrigger t;
    SECTION("first") {
        t.first = 2;
        engine.set(plan_of({rule("r", t)}));
        CHECK(firing(engine, 6) == std::vector<int>{1, 2});
    }
    SECTION("every") {
        t.every = 3;
        engine.set(plan_of({rule("r", t)}));
        CHECK(firing(engine, 10) == std::vector<int>{3, 6, 9});
    }
    SECTION("after") {
        t.after = 4;
        engine.set(plan_of({rule("r", t)}));
        CHECK(firing(engine, 6) == std::vector<int>{5, 6});
    }
    SECTION("nth") {
        t.nth = {2, 5};
        engine.set(plan_of({rule("r", t)}));
        CHECK(firing(engine, 8) == std::vector<int>{2, 5});
    }
    SECTION("every with times") {
        t.every = 2;
        t.times = 2;
        engine.set(plan_of({rule("r", t)}));
        CHECK(firing(engine, 10) == std::vector<int>{2, 4});
    }
    SECTION("always") {
        engine.set(plan_of({rule("r", t)}));
        CHECK(firing(engine, 3) == std::vector<int>{1, 2, 3});
    }
    auto snap = engine.snapshot();
    REQUIRE(snap);
    CHECK(snap->counts.size() == 1);
    CHECK(snap->counts[0].matched > 0);
}

TEST_CASE("probability is reproducible from the seed and its rate is about p", "[faultengine]") {
    FaultTrigger t;
    t.probability = 0.3;
    FaultEngine a;
    FaultEngine b;
    FaultEngine other_seed;
    a.set(plan_of({rule("r", t)}, 42));
    b.set(plan_of({rule("r", t)}, 42));
    other_seed.set(plan_of({rule("r", t)}, 43));
    auto fa = firing(a, 2000);
    auto fb = firing(b, 2000);
    CHECK(fa == fb);
    CHECK(fa != firing(other_seed, 2000));
    CHECK(fa.size() > 480); // 600 expected; binomial sd ~20
    CHECK(fa.size() < 720);

    FaultEngine never;
    t.probability = 0.0;
    never.set(plan_of({rule("r", t)}));
    CHECK(firing(never, 200).empty());
    t.probability = 1.0;
    never.set(plan_of({rule("r", t)}));
    CHECK(firing(never, 200).size() == 200);
}

TEST_CASE("a rule's draws do not shift with traffic it does not match", "[faultengine]") {
    FaultRule r = rule("batch", {});
    r.trigger.probability = 0.5;
    r.match.route = "/v1/batch";
    FaultEngine quiet;
    FaultEngine noisy;
    quiet.set(plan_of({r}, 9));
    noisy.set(plan_of({r}, 9));
    auto events = events_of({"track"});
    std::vector<bool> a;
    std::vector<bool> b;
    for (int i = 0; i < 200; ++i) {
        a.push_back(quiet.decide({"POST", "/v1/batch", "wk", &events}).has_value());
        // Unmatched requests on other routes between each matched one.
        CHECK_FALSE(noisy.decide({"POST", "/v1/track", "wk", &events}));
        CHECK_FALSE(noisy.decide({"POST", "/v1/page", "wk", &events}));
        b.push_back(noisy.decide({"POST", "/v1/batch", "wk", &events}).has_value());
    }
    CHECK(a == b);
}

TEST_CASE("delay ranges are drawn within bounds - reproducibly", "[faultengine]") {
    FaultRule r;
    r.id = "slow";
    r.effect.delay_min_ms = 200;
    r.effect.delay_max_ms = 800;
    r.effect.delay_is_range = true;
    FaultEngine a;
    FaultEngine b;
    a.set(plan_of({r}, 5));
    b.set(plan_of({r}, 5));
    auto events = events_of({"track"});
    std::set<int64_t> seen;
    for (int i = 0; i < 300; ++i) {
        auto da = a.decide({"POST", "/v1/track", "wk", &events});
        auto db = b.decide({"POST", "/v1/track", "wk", &events});
        REQUIRE(da);
        REQUIRE(db);
        CHECK(da->delay_ms == db->delay_ms);
        CHECK(da->delay_ms >= 200);
        CHECK(da->delay_ms <= 800);
        CHECK_FALSE(da->refuses()); // a delay alone lets the request through
        seen.insert(da->delay_ms);
    }
    CHECK(seen.size() > 100); // spread over the range, not one value
}

TEST_CASE("match: route glob - method - write key - event type - min events", "[faultengine]") {
    FaultRule r = rule("m", {});
    auto batch = events_of({"track", "identify", "track"});
    auto single = events_of({"page"});
    FaultEngine engine;
    SECTION("route glob") {
        r.match.route = "/v1/*";
        engine.set(plan_of({r}));
        CHECK(engine.decide({"POST", "/v1/batch", "wk", &batch}));
        CHECK_FALSE(engine.decide({"POST", "/internal/v1/retl", "wk", &batch}));
    }
    SECTION("method, any case") {
        r.match.method = "POST";
        engine.set(plan_of({r}));
        CHECK(engine.decide({"post", "/v1/batch", "wk", &batch}));
        CHECK_FALSE(engine.decide({"GET", "/pixel/v1/track", "wk", &single}));
    }
    SECTION("write key") {
        r.match.write_key = "bad-key";
        engine.set(plan_of({r}));
        CHECK(engine.decide({"POST", "/v1/batch", "bad-key", &batch}));
        CHECK_FALSE(engine.decide({"POST", "/v1/batch", "good-key", &batch}));
    }
    SECTION("event type inside the body") {
        r.match.type = "identify";
        engine.set(plan_of({r}));
        CHECK(engine.decide({"POST", "/v1/batch", "wk", &batch}));
        CHECK_FALSE(engine.decide({"POST", "/v1/page", "wk", &single}));
        CHECK_FALSE(engine.decide({"POST", "/v1/batch", "wk", nullptr})); // body did not parse
    }
    SECTION("min events") {
        r.match.min_events = 3;
        engine.set(plan_of({r}));
        CHECK(engine.decide({"POST", "/v1/batch", "wk", &batch}));
        CHECK_FALSE(engine.decide({"POST", "/v1/page", "wk", &single}));
    }
}

TEST_CASE("rules are tried in order - the first that fires decides", "[faultengine]") {
    FaultTrigger every2;
    every2.every = 2;
    FaultRule a = rule("a", every2, 429);
    FaultRule b = rule("b", {}, 500);
    FaultEngine engine;
    engine.set(plan_of({a, b}));
    auto events = events_of({"track"});
    std::vector<std::string> got;
    for (int i = 0; i < 4; ++i) {
        got.push_back(engine.decide({"POST", "/v1/track", "wk", &events})->rule_id);
    }
    CHECK(got == std::vector<std::string>{"b", "a", "b", "a"});
    auto snap = engine.snapshot();
    REQUIRE(snap);
    CHECK(snap->counts[0].matched == 4);
    CHECK(snap->counts[0].fired == 2);
    CHECK(snap->counts[1].matched == 2); // b saw only the requests a let through
    CHECK(snap->counts[1].fired == 2);
}

TEST_CASE("a time window counts from when the plan was set", "[faultengine]") {
    FaultTrigger t;
    t.until_ms = 150;
    FaultEngine engine;
    engine.set(plan_of({rule("early", t)}));
    CHECK(firing(engine, 1).size() == 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(firing(engine, 1).empty());

    FaultTrigger later;
    later.from_ms = 100;
    engine.set(plan_of({rule("late", later)}));
    CHECK(firing(engine, 1).empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    CHECK(firing(engine, 1).size() == 1);
}

TEST_CASE("replacing the plan restarts the counters - clearing turns it off", "[faultengine]") {
    FaultTrigger t;
    t.first = 1;
    FaultEngine engine;
    engine.set(plan_of({rule("r", t)}));
    CHECK(firing(engine, 3) == std::vector<int>{1});
    engine.set(plan_of({rule("r", t)}));
    CHECK(firing(engine, 3) == std::vector<int>{1});
    engine.clear();
    CHECK_FALSE(engine.active());
    CHECK(firing(engine, 3).empty());
}

TEST_CASE("ordinals stay exact under concurrent requests", "[faultengine]") {
    FaultTrigger t;
    t.every = 10;
    FaultEngine engine;
    engine.set(plan_of({rule("r", t)}));
    std::atomic<int> fired{0};
    std::vector<std::thread> threads;
    for (int k = 0; k < 4; ++k) {
        threads.emplace_back([&] {
            auto events = events_of({"track"});
            for (int i = 0; i < 1000; ++i) {
                if (engine.decide({"POST", "/v1/track", "wk", &events})) {
                    ++fired;
                }
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    CHECK(fired.load() == 400);
    CHECK(engine.snapshot()->counts[0].matched == 4000);
}

TEST_CASE("set_if replaces the plan only over the version it was read at", "[faultengine]") {
    FaultEngine engine;
    FaultTrigger always;
    const uint64_t v0 = engine.version();
    REQUIRE(engine.set_if(plan_of({rule("panel", always)}), v0));
    const uint64_t v1 = engine.version();
    CHECK(v1 != v0);
    // Another client (PUT /_mock/faults) replaces it; the panel's change, read at v1, is
    // refused and the other client's plan stays.
    engine.set(plan_of({rule("put", always, 429)}));
    CHECK_FALSE(engine.set_if(plan_of({}), v1));
    REQUIRE(engine.snapshot());
    CHECK(engine.snapshot()->plan.rules.at(0).id == "put");
    // Over the current version it applies; an empty plan clears.
    CHECK(engine.set_if(plan_of({}), engine.version()));
    CHECK_FALSE(engine.active());
    CHECK_FALSE(engine.snapshot());
    engine.clear();
    CHECK_FALSE(engine.set_if(plan_of({rule("late", always)}), v1));
}
