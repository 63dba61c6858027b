// Private to src/faults: the value rules that fault_plan.cpp (the JSON plan) and
// fault_plan_flags.cpp (--fail, --delay) share, so both accept the same rules, worded alike.
#pragma once

#include "faults/fault_plan.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace rm::fault_plan_detail {

constexpr int64_t k_int_max = std::numeric_limits<int64_t>::max();

// The value rules, shared by the JSON plan and the quick flags so both accept exactly the same
// rules and word their complaints alike.
struct Limits {
    int64_t min;
    int64_t max;
};
constexpr Limits k_ordinal{1, k_int_max}; // first, every, times, nth
constexpr Limits k_count{0, k_int_max};   // after, from_ms, until_ms, min_events, retry-after
constexpr Limits k_status{400, 599};
constexpr Limits k_delay{0, 600000};

const char* const k_connections = "reset, close, hang, truncate";

// Each check_* returns the complaint (without the field name), or "" when the value is fine.
std::string check(int64_t v, Limits l);
std::string check_probability(double p);

std::optional<ConnectionFault> parse_connection(std::string_view s);

// A problem with a rule as a whole. field is the JSON key ("" = the section itself).
struct RuleProblem {
    std::string section;
    std::string field;
    std::string message;
};
// A rule's fields together: until_ms after from_ms, the delay range, what the effect does.
std::optional<RuleProblem> check_rule(const FaultRule& r);

// "a, b, c"
template <typename List>
std::string join(const List& names) {
    std::string out;
    for (const char* n : names) {
        out += (out.empty() ? "" : ", ") + std::string(n);
    }
    return out;
}

} // namespace rm::fault_plan_detail
