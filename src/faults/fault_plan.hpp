// A fault plan: rules that make the gateway misbehave on purpose, reproducibly (issue: fault
// injection). Plain data plus its JSON form; deciding which rule fires is fault_engine.hpp.
//
// JSON form (names are an interface: tests and users script against them):
//   {"seed": 7, "rules": [{"id": "r1", "match": {...}, "trigger": {...}, "effect": {...}}]}
#pragma once

#include "util/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rm {

// Which requests a rule looks at. Every field is optional; an empty match is every request
// that reaches the fault step (gateway routes after auth and body reading).
struct FaultMatch {
    std::string route;      // exact path, or a glob where '*' matches any run of characters
    std::string method;     // e.g. "POST"; compared without case
    std::string write_key;  // exact
    std::string type;       // the request carries at least one event of this type
    int64_t min_events = 0; // the request carries at least this many events (0 = any)
};

// When a matching request fires the rule. Every given condition must hold (AND); none given
// means always. Ordinals count the requests this rule matched, from 1.
struct FaultTrigger {
    std::optional<int64_t> first;      // ordinal <= first
    std::optional<int64_t> every;      // ordinal % every == 0
    std::optional<int64_t> after;      // ordinal > after
    std::vector<int64_t> nth;          // ordinal is one of these (empty = no condition)
    std::optional<double> probability; // a draw in [0, 1) is below it
    std::optional<int64_t> times;      // fires at most this many times in all
    std::optional<int64_t> from_ms;    // window from the time the plan was set
    std::optional<int64_t> until_ms;   // (from_ms inclusive, until_ms exclusive)
};

enum class ConnectionFault { none, reset, close, hang, truncate };

// What a firing rule does. Combinable: a delay, then a status (with headers and body) or a
// connection fault. A rule with only a delay lets the request go on normally afterwards.
struct FaultEffect {
    int status = 0;                                           // 400-599, 0 = keep the real answer
    std::vector<std::pair<std::string, std::string>> headers; // added to the answer, in order
    std::optional<std::string> body; // default: the active profile's text for the status
    int64_t delay_min_ms = 0;        // "delay_ms": N gives min = max = N
    int64_t delay_max_ms = 0;        // "delay_ms": [min, max] is drawn uniformly
    bool delay_is_range = false;     // written back as [min, max]
    ConnectionFault connection = ConnectionFault::none;
};

struct FaultRule {
    std::string id; // unique within the plan; generated ("r1", "r2", ...) when omitted
    FaultMatch match;
    FaultTrigger trigger;
    FaultEffect effect;
};

struct FaultPlan {
    uint64_t seed = 0;
    std::vector<FaultRule> rules;
};

// Parses and validates a plan. An unknown key, a wrong type or a value out of range is an
// error naming the field, e.g. "rules[0].trigger.probability: must be between 0 and 1".
Result<FaultPlan> parse_fault_plan(std::string_view json);
// The plan in its JSON form (keys in a fixed order; only the fields that are set).
std::string fault_plan_json(const FaultPlan& plan);

// One rule from a quick flag. "--fail SPEC", SPEC = WHAT[:ROUTE][:OPTION=VALUE...] where WHAT
// is a status (401, 429, 503, ...) or a connection fault (reset, close, hang, truncate), ROUTE
// starts with '/', and options are first=N, every=N, after=N, nth=A,B, probability=P, times=N,
// retry-after=S (adds the Retry-After header), key=WRITE_KEY, type=T, min-events=N,
// delay=MS or delay=MIN-MAX. Examples: "401", "404:/v1/batch", "429:every=5:retry-after=2".
Result<FaultRule> parse_fail_flag(std::string_view spec);
// "--delay MS" or "--delay MIN-MAX": a delay-only rule on every request.
Result<FaultRule> parse_delay_flag(std::string_view spec);

std::string_view connection_fault_name(ConnectionFault c); // "" for none
// True when path matches a route pattern (exact, or a glob with '*').
bool route_matches(std::string_view pattern, std::string_view path);

} // namespace rm
