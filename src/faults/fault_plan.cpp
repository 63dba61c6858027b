#include "faults/fault_plan.hpp"

#include "faults/fault_plan_internal.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>

namespace rm {

namespace fault_plan_detail {

std::string check(int64_t v, Limits l) {
    if (v >= l.min && v <= l.max) {
        return "";
    }
    if (l.max == k_int_max) {
        return "must be at least " + std::to_string(l.min);
    }
    return "must be between " + std::to_string(l.min) + " and " + std::to_string(l.max);
}

std::string check_probability(double p) {
    return p >= 0.0 && p <= 1.0 ? "" : "must be between 0 and 1"; // NaN fails both
}

std::optional<ConnectionFault> parse_connection(std::string_view s) {
    for (auto c = ConnectionFault::reset; c <= ConnectionFault::truncate;
         c = static_cast<ConnectionFault>(static_cast<int>(c) + 1)) {
        if (s == connection_fault_name(c)) {
            return c;
        }
    }
    return std::nullopt;
}

std::optional<RuleProblem> check_rule(const FaultRule& r) {
    const FaultTrigger& t = r.trigger;
    const FaultEffect& e = r.effect;
    if (t.from_ms && t.until_ms && *t.until_ms <= *t.from_ms) {
        return RuleProblem{"trigger", "until_ms", "must be greater than from_ms"};
    }
    if (e.delay_min_ms > e.delay_max_ms) {
        return RuleProblem{"effect", "delay_ms", "min must not exceed max"};
    }
    if (e.status != 0 && e.connection != ConnectionFault::none) {
        return RuleProblem{"effect", "", "status and connection exclude each other"};
    }
    if (e.status == 0 && e.connection == ConnectionFault::none && e.delay_max_ms == 0) {
        return RuleProblem{"effect", "", "needs status, delay_ms or connection"};
    }
    return std::nullopt;
}

} // namespace fault_plan_detail

namespace {

using namespace fault_plan_detail;

// ordered_json keeps the document's key order: headers are sent in the order written, and the
// first unknown key reported is the first one in the file.
using Json = nlohmann::ordered_json;

std::string check_header(const std::string& name, const std::string& value) {
    auto has_crlf = [](const std::string& s) { return s.find_first_of("\r\n") != s.npos; };
    if (name.empty()) {
        return "a header name must not be empty";
    }
    return has_crlf(name) || has_crlf(value) ? "must not contain CR or LF" : "";
}

// ---- JSON reading ----

// One JSON object of the plan. Keeps the first problem found (with its path) in a shared
// string and turns every later call into a no-op, so readers go field after field without
// checking in between.
class Fields {
  public:
    Fields(const Json& j, std::string at, std::string& error,
           std::initializer_list<const char*> keys)
        : m_json(j), m_at(std::move(at)), m_error(error) {
        if (!m_error.empty()) {
            return;
        }
        if (!j.is_object()) {
            m_error = m_at + ": must be an object";
            return;
        }
        for (const auto& item : j.items()) {
            const std::string& key = item.key(); // (clang 14 cannot capture a binding)
            if (std::none_of(keys.begin(), keys.end(), [&](const char* k) { return key == k; })) {
                require(key, "unknown key (expected " + join(keys) + ")");
                return;
            }
        }
    }

    // The value of key, or nullptr when it is absent or a problem was already found.
    const Json* find(const char* key) const {
        if (!m_error.empty()) {
            return nullptr;
        }
        auto it = m_json.find(key);
        return it == m_json.end() ? nullptr : &*it;
    }

    // Records why (if any) against key ("" = this object); true while no problem was found.
    bool require(const std::string& key, const std::string& why) {
        if (m_error.empty() && !why.empty()) {
            m_error = (m_at.empty() || key.empty() ? m_at : m_at + ".") + key + ": " + why;
        }
        return m_error.empty();
    }

    std::optional<int64_t> integer(const Json& v, const std::string& key, Limits l) {
        if (!v.is_number_integer()) {
            require(key, "must be an integer");
            return std::nullopt;
        }
        if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(k_int_max)) {
            require(key, l.max == k_int_max ? std::string("is too large") : check(k_int_max, l));
            return std::nullopt;
        }
        auto n = v.get<int64_t>();
        return require(key, check(n, l)) ? std::optional(n) : std::nullopt;
    }
    template <typename Out> // int64_t or std::optional<int64_t>
    void integer(const char* key, Limits l, Out& out) {
        const Json* v = find(key);
        if (auto n = v ? integer(*v, key, l) : std::nullopt) {
            out = *n;
        }
    }

    // Empty strings are refused: an empty field means "any" in the struct.
    void string(const char* key, std::string& out) {
        if (const Json* v = find(key)) {
            out = v->is_string() ? v->get<std::string>() : out;
            require(key, !v->is_string() ? "must be a string"
                         : out.empty()   ? "must not be empty"
                                         : "");
        }
    }

    // A section of a rule; an absent one reads as empty.
    const Json& section(const char* key) const {
        static const Json empty = Json::object();
        const Json* v = find(key);
        return v ? *v : empty;
    }

  private:
    const Json& m_json;
    std::string m_at;
    std::string& m_error;
};

void read_match(const Json& j, const std::string& at, FaultMatch& m, std::string& error) {
    Fields f(j, at, error, {"route", "method", "write_key", "type", "min_events"});
    f.string("route", m.route);
    f.string("method", m.method);
    f.string("write_key", m.write_key);
    f.string("type", m.type);
    f.integer("min_events", k_count, m.min_events);
    if (!m.route.empty() && m.route[0] != '/') {
        f.require("route", "must start with '/'");
    }
    std::transform(m.method.begin(), m.method.end(), m.method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
}

void read_trigger(const Json& j, const std::string& at, FaultTrigger& t, std::string& error) {
    Fields f(j, at, error,
             {"first", "every", "after", "nth", "probability", "times", "from_ms", "until_ms"});
    f.integer("first", k_ordinal, t.first);
    f.integer("every", k_ordinal, t.every);
    f.integer("after", k_count, t.after);
    if (const Json* nth = f.find("nth")) {
        if (f.require("nth", nth->is_array() && !nth->empty()
                                 ? ""
                                 : "must be a non-empty array of integers")) {
            for (size_t i = 0; i < nth->size(); ++i) {
                auto n = f.integer((*nth)[i], "nth[" + std::to_string(i) + "]", k_ordinal);
                t.nth.push_back(n.value_or(0));
            }
        }
    }
    if (const Json* p = f.find("probability")) {
        if (f.require("probability", p->is_number() ? "" : "must be a number")) {
            t.probability = p->get<double>();
            f.require("probability", check_probability(*t.probability));
        }
    }
    f.integer("times", k_ordinal, t.times);
    f.integer("from_ms", k_count, t.from_ms);
    f.integer("until_ms", k_count, t.until_ms);
}

void read_effect(const Json& j, const std::string& at, FaultEffect& e, std::string& error) {
    Fields f(j, at, error, {"status", "headers", "body", "delay_ms", "connection"});
    if (const Json* status = f.find("status")) {
        e.status = static_cast<int>(f.integer(*status, "status", k_status).value_or(0));
    }
    const Json* headers = f.find("headers");
    if (headers &&
        f.require("headers", headers->is_object() ? "" : "must be an object of strings")) {
        for (const auto& [name, value] : headers->items()) {
            std::string key = name.empty() ? "headers" : "headers." + name;
            if (f.require(key, value.is_string() ? "" : "must be a string") &&
                f.require(key, check_header(name, value.get<std::string>()))) {
                e.headers.emplace_back(name, value.get<std::string>());
            }
        }
    }
    if (const Json* body = f.find("body")) {
        if (f.require("body", body->is_string() ? "" : "must be a string")) {
            e.body = body->get<std::string>();
        }
    }
    if (const Json* delay = f.find("delay_ms")) {
        e.delay_is_range = delay->is_array() && delay->size() == 2;
        if (f.require("delay_ms",
                      delay->is_number_integer() || e.delay_is_range
                          ? ""
                          : "must be an integer or an array of two integers [min, max]")) {
            const Json& lo = e.delay_is_range ? (*delay)[0] : *delay;
            e.delay_min_ms = f.integer(lo, "delay_ms", k_delay).value_or(0);
            e.delay_max_ms = e.delay_is_range
                                 ? f.integer((*delay)[1], "delay_ms", k_delay).value_or(0)
                                 : e.delay_min_ms;
        }
    }
    if (const Json* c = f.find("connection")) {
        auto fault = c->is_string() ? parse_connection(c->get<std::string>()) : std::nullopt;
        if (f.require("connection", fault ? "" : std::string("must be one of ") + k_connections)) {
            e.connection = *fault;
        }
    }
}

void read_rule(const Json& j, const std::string& at, FaultRule& r, std::string& error) {
    Fields f(j, at, error, {"id", "match", "trigger", "effect"});
    f.string("id", r.id);
    read_match(f.section("match"), at + ".match", r.match, error);
    read_trigger(f.section("trigger"), at + ".trigger", r.trigger, error);
    read_effect(f.section("effect"), at + ".effect", r.effect, error);
    if (auto p = error.empty() ? check_rule(r) : std::nullopt) {
        f.require(p->section + (p->field.empty() ? "" : "." + p->field), p->message);
    }
}

Result<FaultPlan> read_plan(const Json& doc) {
    if (!doc.is_object()) {
        return make_error("fault plan: must be an object {\"seed\": N, \"rules\": [...]}");
    }
    std::string error;
    Fields f(doc, "", error, {"seed", "rules"});
    FaultPlan plan;
    if (const Json* seed = f.find("seed")) {
        bool ok = seed->is_number_unsigned(); // nlohmann types non-negative integers unsigned
        f.require("seed", ok ? "" : "must be a non-negative integer");
        plan.seed = ok ? seed->get<uint64_t>() : 0;
    }
    const Json* rules = f.find("rules");
    if (error.empty() && (!rules || !rules->is_array())) {
        return make_error("rules: must be an array (it may be empty)");
    }
    std::set<std::string> ids;
    for (size_t i = 0; error.empty() && i < rules->size(); ++i) {
        std::string at = "rules[" + std::to_string(i) + "]";
        FaultRule r;
        read_rule((*rules)[i], at, r, error);
        if (r.id.empty()) {
            r.id = std::string("r") + std::to_string(i + 1);
        }
        if (error.empty() && !ids.insert(r.id).second) {
            error = at + ".id: duplicate id '" + r.id + "'";
        }
        plan.rules.push_back(std::move(r));
    }
    if (!error.empty()) {
        return make_error(error);
    }
    return plan;
}

Json rule_json(const FaultRule& r) {
    auto put = [](Json& obj, const char* key, bool set, const auto& value) {
        if (set) {
            obj[key] = value;
        }
    };
    auto put_opt = [](Json& obj, const char* key, const auto& v) {
        if (v) {
            obj[key] = *v;
        }
    };
    const FaultMatch& m = r.match;
    Json match = Json::object();
    put(match, "route", !m.route.empty(), m.route);
    put(match, "method", !m.method.empty(), m.method);
    put(match, "write_key", !m.write_key.empty(), m.write_key);
    put(match, "type", !m.type.empty(), m.type);
    put(match, "min_events", m.min_events != 0, m.min_events);
    const FaultTrigger& t = r.trigger;
    Json trigger = Json::object();
    put_opt(trigger, "first", t.first);
    put_opt(trigger, "every", t.every);
    put_opt(trigger, "after", t.after);
    put(trigger, "nth", !t.nth.empty(), t.nth);
    put_opt(trigger, "probability", t.probability);
    put_opt(trigger, "times", t.times);
    put_opt(trigger, "from_ms", t.from_ms);
    put_opt(trigger, "until_ms", t.until_ms);
    const FaultEffect& e = r.effect;
    Json effect = Json::object();
    put(effect, "status", e.status != 0, e.status);
    Json headers = Json::object();
    for (const auto& [name, value] : e.headers) {
        headers[name] = value;
    }
    put(effect, "headers", !e.headers.empty(), headers);
    put_opt(effect, "body", e.body);
    bool range = e.delay_is_range || e.delay_min_ms != e.delay_max_ms;
    put(effect, "delay_ms", range, Json::array({e.delay_min_ms, e.delay_max_ms}));
    put(effect, "delay_ms", !range && e.delay_max_ms != 0, e.delay_max_ms);
    put(effect, "connection", e.connection != ConnectionFault::none,
        std::string(connection_fault_name(e.connection)));
    return Json{{"id", r.id}, {"match", match}, {"trigger", trigger}, {"effect", effect}};
}

} // namespace

Result<FaultPlan> parse_fault_plan(std::string_view json) {
    try {
        return read_plan(Json::parse(json.begin(), json.end()));
    } catch (const nlohmann::json::parse_error& e) {
        return make_error("fault plan: invalid JSON at byte " + std::to_string(e.byte));
    } catch (const nlohmann::json::exception& e) {
        return make_error(std::string("fault plan: ") + e.what());
    }
}

std::string fault_plan_json(const FaultPlan& plan) {
    Json doc = Json::object();
    doc["seed"] = plan.seed;
    doc["rules"] = Json::array();
    for (const FaultRule& r : plan.rules) {
        doc["rules"].push_back(rule_json(r));
    }
    // Flag values are raw argv bytes and may not be UTF-8; replacing beats throwing here.
    return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string_view connection_fault_name(ConnectionFault c) {
    static constexpr std::string_view k_names[] = {"", "reset", "close", "hang", "truncate"};
    return k_names[static_cast<size_t>(c)];
}

bool route_matches(std::string_view pattern, std::string_view path) {
    if (pattern.empty()) {
        return true;
    }
    // Greedy glob with one backtrack point (the last '*'): linear enough for short routes.
    size_t p = 0;
    size_t s = 0;
    size_t star = std::string_view::npos;
    size_t resume = 0;
    while (s < path.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = s;
        } else if (p < pattern.size() && pattern[p] == path[s]) {
            ++p;
            ++s;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            s = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') {
        ++p;
    }
    return p == pattern.size();
}

} // namespace rm