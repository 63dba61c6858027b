// The quick flags: one fault rule from --fail STATUS|CONNECTION[:ROUTE][:OPTION=VALUE...] or
// --delay MS|MIN-MAX, checked by the same value rules as the JSON plan (fault_plan_internal.hpp).
#include "faults/fault_plan.hpp"
#include "faults/fault_plan_internal.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace rm {

namespace {
using namespace fault_plan_detail;

const char* const k_flag_options[] = {"first",       "every",      "after",       "nth",
                                      "probability", "times",      "retry-after", "key",
                                      "type",        "min-events", "delay"};

template <typename T>
std::optional<T> to_number(std::string_view s) {
    T v{};
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && ptr == s.data() + s.size() && !s.empty() ? std::optional(v)
                                                                         : std::nullopt;
}
const auto to_int = to_number<int64_t>;

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> parts;
    for (size_t start = 0; start <= s.size();) {
        size_t end = std::min(s.find(sep, start), s.size());
        parts.emplace_back(s.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

// ---- Quick flags ----

// "MS" or "MIN-MAX" into e; false when the text is neither. The range is checked apart.
bool parse_delay_text(std::string_view s, FaultEffect& e) {
    size_t dash = s.find('-');
    auto lo = to_int(s.substr(0, dash));
    auto hi = dash == s.npos ? lo : to_int(s.substr(dash + 1));
    e.delay_min_ms = lo.value_or(0);
    e.delay_max_ms = hi.value_or(0);
    e.delay_is_range = dash != s.npos;
    return lo && hi;
}

std::string check_delay(const FaultEffect& e) {
    std::string why = check(e.delay_min_ms, k_delay);
    return why.empty() ? check(e.delay_max_ms, k_delay) : why;
}

// Applies one NAME=VALUE option of --fail; returns the complaint without the name, or "".
std::string apply_option(FaultRule& r, const std::string& name, const std::string& value) {
    if (name == "key" || name == "type") {
        (name == "key" ? r.match.write_key : r.match.type) = value;
        return value.empty() ? "needs a value" : "";
    }
    if (name == "probability") {
        auto p = to_number<double>(value);
        if (!p) {
            return "must be a number";
        }
        r.trigger.probability = *p;
        return check_probability(*p);
    }
    if (name == "delay") {
        return parse_delay_text(value, r.effect)
                   ? check_delay(r.effect)
                   : "must be MS or MIN-MAX milliseconds, e.g. 200-800";
    }
    if (name == "nth") {
        for (const std::string& item : split(value, ',')) {
            auto n = to_int(item);
            if (!n) {
                return "must be a comma-separated list of integers, e.g. nth=2,5";
            }
            if (std::string why = check(*n, k_ordinal); !why.empty()) {
                return why;
            }
            r.trigger.nth.push_back(*n);
        }
        return "";
    }
    auto n = to_int(value);
    if (!n) {
        return "must be an integer";
    }
    if (name == "retry-after") {
        r.effect.headers.emplace_back("Retry-After", std::to_string(*n));
        return check(*n, k_count);
    }
    if (name == "min-events") {
        r.match.min_events = *n;
        return check(*n, k_count);
    }
    std::optional<int64_t>* out = name == "first"   ? &r.trigger.first
                                  : name == "every" ? &r.trigger.every
                                  : name == "after" ? &r.trigger.after
                                                    : &r.trigger.times;
    *out = *n;
    return check(*n, name == "after" ? k_count : k_ordinal);
}

// The --fail/--delay wording of a rule problem: option names as the flags spell them.
std::string flag_problem(const RuleProblem& p) {
    std::string name = p.field == "delay_ms"     ? "delay"
                       : p.field == "min_events" ? "min-events"
                                                 : p.field;
    return name.empty() ? p.message : name + " " + p.message;
}

} // namespace

Result<FaultRule> parse_fail_flag(std::string_view spec) {
    std::string text(spec);
    auto fail = [&](const std::string& why) { return make_error("--fail '" + text + "': " + why); };
    std::vector<std::string> parts = split(text, ':');
    FaultRule r;
    r.id = "fail " + text;
    auto status = to_int(parts[0]);
    if (auto c = parse_connection(parts[0])) {
        r.effect.connection = *c;
    } else if (status && check(*status, k_status).empty()) {
        r.effect.status = static_cast<int>(*status);
    } else {
        return fail(std::string("expected a status from 400 to 599 or ") + k_connections);
    }
    std::set<std::string> seen;
    for (size_t i = 1; i < parts.size(); ++i) {
        const std::string& part = parts[i];
        bool is_route = !part.empty() && part[0] == '/';
        size_t eq = part.find('=');
        if (!is_route && eq == part.npos) {
            return fail("expected NAME=VALUE or a /route, got '" + part + "'");
        }
        std::string name = is_route ? "route" : part.substr(0, eq);
        if (!is_route && std::none_of(std::begin(k_flag_options), std::end(k_flag_options),
                                      [&](const char* o) { return name == o; })) {
            return fail("unknown option '" + name + "' (expected " + join(k_flag_options) + ")");
        }
        if (!seen.insert(name).second) {
            return fail(name + " is given twice");
        }
        if (is_route) {
            r.match.route = part;
        } else if (std::string why = apply_option(r, name, part.substr(eq + 1)); !why.empty()) {
            return fail(name + " " + why);
        }
    }
    if (auto p = check_rule(r)) {
        return fail(flag_problem(*p));
    }
    return r;
}

Result<FaultRule> parse_delay_flag(std::string_view spec) {
    FaultRule r;
    r.id = "delay " + std::string(spec);
    std::string why = parse_delay_text(spec, r.effect)
                          ? check_delay(r.effect)
                          : "expected MS or MIN-MAX milliseconds, e.g. 200-800";
    if (why.empty() && r.effect.delay_max_ms == 0) {
        why = "a delay of 0 ms does nothing; give more than 0";
    }
    if (auto p = why.empty() ? check_rule(r) : std::nullopt) {
        why = p->message;
    }
    if (!why.empty()) {
        return make_error("--delay '" + std::string(spec) + "': " + why);
    }
    return r;
}

} // namespace rm
