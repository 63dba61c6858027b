#include "faults/fault_presets.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

namespace rm {

namespace {

constexpr int64_t k_max_delay_ms = 600000; // as k_delay in fault_plan_internal.hpp

std::string route_slug(std::string_view route) {
    if (route.empty()) {
        return "any";
    }
    if (route.starts_with("/v1/")) {
        route.remove_prefix(4);
    }
    std::string out;
    auto dash = [&] {
        if (!out.empty() && out.back() != '-') {
            out.push_back('-');
        }
    };
    for (char c : route) {
        if (c == '*') {
            dash();
            out += "all";
        } else if (std::isalnum(static_cast<unsigned char>(c))) {
            out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        } else {
            dash();
        }
    }
    while (!out.empty() && out.back() == '-') {
        out.pop_back();
    }
    return out.empty() ? "root" : out;
}

std::string unique_id(const std::string& stem, const FaultPlan& existing) {
    std::set<std::string> taken;
    for (const FaultRule& r : existing.rules) {
        taken.insert(r.id);
    }
    for (size_t n = 1;; ++n) {
        std::string id = stem + "-" + std::to_string(n);
        if (!taken.contains(id)) {
            return id;
        }
    }
}

// The complaint about an option, or "" when the options fit the preset.
std::string check_options(FaultPreset preset, const PresetOptions& o) {
    if (!o.route.empty() && o.route[0] != '/') {
        return "route: must start with '/' (e.g. /v1/batch or /v1/*)";
    }
    if ((o.trigger == PresetTrigger::first_n || o.trigger == PresetTrigger::every_nth) && o.n < 1) {
        return std::string(o.trigger == PresetTrigger::first_n ? "first N" : "every N") +
               ": must be at least 1";
    }
    if (o.trigger == PresetTrigger::probability && !(o.probability >= 0 && o.probability <= 1)) {
        return "probability: must be between 0 and 1";
    }
    if (preset == FaultPreset::rate_limited && o.retry_after_s && *o.retry_after_s < 0) {
        return "Retry-After: must be at least 0 seconds";
    }
    if (preset == FaultPreset::slow) {
        if (o.delay_min_ms < 0 || o.delay_max_ms > k_max_delay_ms) {
            return "delay: must be between 0 and 600000 ms";
        }
        if (o.delay_min_ms > o.delay_max_ms) {
            return "delay: min must not exceed max";
        }
        if (o.delay_max_ms == 0) {
            return "delay: a delay of 0 ms does nothing; give a max above 0";
        }
    }
    return "";
}

int preset_status(FaultPreset preset) {
    switch (preset) {
    case FaultPreset::unauthorized:
        return 401;
    case FaultPreset::disabled:
        return 404;
    case FaultPreset::too_large:
        return 413;
    case FaultPreset::rate_limited:
        return 429;
    case FaultPreset::server_error:
        return 500;
    case FaultPreset::unavailable:
        return 503;
    case FaultPreset::slow:
    case FaultPreset::reset:
        break;
    }
    return 0;
}

std::string ordinal(int64_t n) {
    if (n == 1) {
        return "every request";
    }
    const int64_t tens = n % 100;
    const int64_t ones = n % 10;
    const char* suffix = tens >= 11 && tens <= 13 ? "th"
                         : ones == 1              ? "st"
                         : ones == 2              ? "nd"
                         : ones == 3              ? "rd"
                                                  : "th";
    return "every " + std::to_string(n) + suffix;
}

std::string format_probability(double p) {
    char text[32];
    std::snprintf(text, sizeof text, "p=%g", p);
    return text;
}

void add(std::string& out, const std::string& part) {
    if (!out.empty()) {
        out += ", ";
    }
    out += part;
}

using Json = nlohmann::ordered_json;

std::string dump(const Json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Two-space indentation as dump(2), but arrays of plain values stay on one line
// ("delay_ms": [200, 800], "nth": [2, 5]) and empty sections read {}.
void write_pretty(const Json& j, size_t indent, std::string& out) {
    const bool flat = j.is_array() && std::none_of(j.begin(), j.end(),
                                                   [](const Json& e) { return e.is_structured(); });
    if (!j.is_structured() || j.empty() || flat) {
        if (!flat) {
            out += dump(j);
            return;
        }
        out.push_back('[');
        for (size_t i = 0; i < j.size(); ++i) {
            if (i > 0) {
                out += ", ";
            }
            out += dump(j[i]);
        }
        out.push_back(']');
        return;
    }
    out.push_back(j.is_object() ? '{' : '[');
    bool first = true;
    for (auto it = j.begin(); it != j.end(); ++it) {
        out += first ? "\n" : ",\n";
        first = false;
        out.append(indent + 2, ' ');
        if (j.is_object()) {
            out += dump(Json(it.key()));
            out += ": ";
        }
        write_pretty(*it, indent + 2, out);
    }
    out.push_back('\n');
    out.append(indent, ' ');
    out.push_back(j.is_object() ? '}' : ']');
}

} // namespace

std::string_view preset_name(FaultPreset preset) {
    switch (preset) {
    case FaultPreset::unauthorized:
        return "401";
    case FaultPreset::disabled:
        return "404";
    case FaultPreset::too_large:
        return "413";
    case FaultPreset::rate_limited:
        return "429";
    case FaultPreset::server_error:
        return "500";
    case FaultPreset::unavailable:
        return "503";
    case FaultPreset::slow:
        return "slow";
    case FaultPreset::reset:
        return "reset";
    }
    return "";
}

std::string_view preset_description(FaultPreset preset) {
    switch (preset) {
    case FaultPreset::unauthorized:
        return "401 invalid write key";
    case FaultPreset::disabled:
        return "404 source is disabled";
    case FaultPreset::too_large:
        return "413 request size exceeds max limit";
    case FaultPreset::rate_limited:
        return "429 max requests limit reached";
    case FaultPreset::server_error:
        return "500 Internal Server Error";
    case FaultPreset::unavailable:
        return "503 Service Unavailable";
    case FaultPreset::slow:
        return "a random delay, then the normal answer";
    case FaultPreset::reset:
        return "TCP reset: the connection drops with no answer";
    }
    return "";
}

Result<FaultRule> make_preset_rule(FaultPreset preset, const PresetOptions& options,
                                   const FaultPlan& existing) {
    if (std::string why = check_options(preset, options); !why.empty()) {
        return make_error(why);
    }
    FaultRule r;
    r.id = unique_id(std::string(preset_name(preset)) + "-" + route_slug(options.route), existing);
    r.match.route = options.route;
    r.match.write_key = options.write_key;
    switch (options.trigger) {
    case PresetTrigger::always:
        break;
    case PresetTrigger::first_n:
        r.trigger.first = options.n;
        break;
    case PresetTrigger::every_nth:
        r.trigger.every = options.n;
        break;
    case PresetTrigger::probability:
        r.trigger.probability = options.probability;
        break;
    }
    r.effect.status = preset_status(preset);
    if (preset == FaultPreset::rate_limited && options.retry_after_s) {
        r.effect.headers.emplace_back("Retry-After", std::to_string(*options.retry_after_s));
    }
    if (preset == FaultPreset::slow) {
        r.effect.delay_min_ms = options.delay_min_ms;
        r.effect.delay_max_ms = options.delay_max_ms;
        r.effect.delay_is_range = options.delay_min_ms != options.delay_max_ms;
    }
    if (preset == FaultPreset::reset) {
        r.effect.connection = ConnectionFault::reset;
    }
    // The plan parser has the last word: the rule must read back as it is.
    FaultPlan alone;
    alone.rules.push_back(r);
    auto parsed = parse_fault_plan(fault_plan_json(alone));
    if (!parsed) {
        std::string why = parsed.error().message;
        const std::string prefix = "rules[0].";
        return make_error(why.starts_with(prefix) ? why.substr(prefix.size()) : why);
    }
    return r;
}

std::string describe_match(const FaultMatch& m) {
    std::string out = m.route.empty() ? "any route" : m.route;
    if (!m.method.empty()) {
        add(out, m.method);
    }
    if (!m.write_key.empty()) {
        add(out, "key " + m.write_key);
    }
    if (!m.type.empty()) {
        add(out, "type " + m.type);
    }
    if (m.min_events > 0) {
        add(out, ">= " + std::to_string(m.min_events) + " events");
    }
    return out;
}

std::string describe_trigger(const FaultTrigger& t) {
    std::string out;
    if (t.first) {
        add(out, "first " + std::to_string(*t.first));
    }
    if (t.every) {
        add(out, ordinal(*t.every));
    }
    if (t.after) {
        add(out, "after " + std::to_string(*t.after));
    }
    if (!t.nth.empty()) {
        std::string list;
        for (int64_t n : t.nth) {
            if (!list.empty()) {
                list.push_back(',');
            }
            list += std::to_string(n);
        }
        add(out, "nth " + list);
    }
    if (t.probability) {
        add(out, format_probability(*t.probability));
    }
    if (t.times) {
        add(out, "at most " + std::to_string(*t.times) + (*t.times == 1 ? " time" : " times"));
    }
    if (t.from_ms) {
        add(out, "from " + std::to_string(*t.from_ms) + " ms");
    }
    if (t.until_ms) {
        add(out, "until " + std::to_string(*t.until_ms) + " ms");
    }
    return out.empty() ? "always" : out;
}

std::string describe_effect(const FaultEffect& e) {
    std::string out;
    if (e.delay_max_ms > 0) {
        add(out, e.delay_min_ms == e.delay_max_ms
                     ? "delay " + std::to_string(e.delay_max_ms) + " ms"
                     : "delay " + std::to_string(e.delay_min_ms) + "-" +
                           std::to_string(e.delay_max_ms) + " ms");
    }
    if (e.status != 0) {
        add(out, std::to_string(e.status));
    }
    if (e.connection != ConnectionFault::none) {
        add(out, "connection " + std::string(connection_fault_name(e.connection)));
    }
    for (const auto& [name, value] : e.headers) {
        out += " + " + name + ": " + value;
    }
    if (e.body) {
        out += " + custom body";
    }
    return out.empty() ? "nothing" : out;
}

std::string fault_plan_json_pretty(const FaultPlan& plan) {
    // fault_plan_json has the key order; only the layout changes.
    auto doc = nlohmann::ordered_json::parse(fault_plan_json(plan), nullptr, false);
    if (doc.is_discarded()) {
        return fault_plan_json(plan);
    }
    std::string out;
    write_pretty(doc, 0, out);
    return out;
}

bool move_fault_rule(FaultPlan& plan, size_t index, int delta) {
    if (index >= plan.rules.size()) {
        return false;
    }
    const auto last = static_cast<int64_t>(plan.rules.size()) - 1;
    const auto to = std::clamp(static_cast<int64_t>(index) + delta, int64_t{0}, last);
    if (to == static_cast<int64_t>(index)) {
        return false;
    }
    FaultRule rule = std::move(plan.rules[index]);
    plan.rules.erase(plan.rules.begin() + static_cast<std::ptrdiff_t>(index));
    plan.rules.insert(plan.rules.begin() + static_cast<std::ptrdiff_t>(to), std::move(rule));
    return true;
}

} // namespace rm
