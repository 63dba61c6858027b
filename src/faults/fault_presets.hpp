// One-click fault rules (the inspector's Faults panel) and the plain-text summaries and edits
// of a plan it shows. Pure functions over fault_plan.hpp: no engine, no UI.
#pragma once

#include "faults/fault_plan.hpp"
#include "util/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rm {

enum class FaultPreset {
    unauthorized, // 401 (the profile's "invalid write key")
    disabled,     // 404 (the profile's "source is disabled")
    too_large,    // 413
    rate_limited, // 429, with Retry-After when asked
    server_error, // 500
    unavailable,  // 503
    slow,         // a delay drawn from [delay_min_ms, delay_max_ms]; the request goes on
    reset,        // TCP RST, no answer
};

enum class PresetTrigger { always, first_n, every_nth, probability };

struct PresetOptions {
    std::string route;     // exact path or glob ("/v1/*"); "" = every event route
    std::string write_key; // "" = any key
    PresetTrigger trigger = PresetTrigger::always;
    int64_t n = 1;                        // first_n, every_nth
    double probability = 0.5;             // probability
    std::optional<int> retry_after_s = 1; // rate_limited only; nullopt = no Retry-After
    int64_t delay_min_ms = 200;           // slow only
    int64_t delay_max_ms = 800;
};

// A short name for the preset ("401", "429", "slow", "reset"), the prefix of its rule ids.
std::string_view preset_name(FaultPreset preset);
// What the button does, for its tooltip ("401 invalid write key").
std::string_view preset_description(FaultPreset preset);

// The rule a preset button adds to existing (which it does not change). Its id is readable and
// unique within existing: "<name>-<route>-<n>", e.g. "429-batch-1", "slow-all-2". An option
// out of range is an error naming it, e.g. "every N: must be at least 1".
Result<FaultRule> make_preset_rule(FaultPreset preset, const PresetOptions& options,
                                   const FaultPlan& existing);

// One-line summaries for the rules table.
std::string describe_match(const FaultMatch& match);       // "/v1/batch, key wk"; "any route"
std::string describe_trigger(const FaultTrigger& trigger); // "every 5th", "always"
std::string describe_effect(const FaultEffect& effect);    // "429 + Retry-After: 1"

// The plan's JSON form indented for editing (same keys and order as fault_plan_json).
std::string fault_plan_json_pretty(const FaultPlan& plan);

// Moves rule index by delta places (clamped to the plan); false when nothing moved.
bool move_fault_rule(FaultPlan& plan, size_t index, int delta);

} // namespace rm
