#include "export/verify.hpp"

#include "export/json_diff.hpp"
#include "export/normalize.hpp"
#include "protocol/json_scan.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>

namespace rm {

namespace {
using Json = nlohmann::json;

// As deep as the gateway accepts (protocol/events.hpp).
constexpr int k_max_depth = 10000;
// How far the ordered aligner looks ahead, and how many candidates any-order tries.
constexpr size_t k_window = 32;
constexpr size_t k_candidates = 256;
// Values longer than this are cut in the report.
constexpr size_t k_max_shown = 120;

bool blank(std::string_view s) {
    return s.find_first_not_of(" \t\r") == std::string_view::npos;
}

// --- ignore paths -------------------------------------------------------------------------

struct Segment {
    std::string key;
    bool any = false;   // * or [*]
    bool index = false; // [N]
    size_t n = 0;
};

Result<std::vector<Segment>> parse_path(std::string_view path) {
    auto bad = [&](const std::string& why) {
        return make_error("--ignore: bad path '" + std::string(path) + "': " + why);
    };
    std::string dotted; // "a[0].b" -> "a.[0].b", then split at the dots
    for (char c : path) {
        if (c == '[' && !dotted.empty()) {
            dotted += '.';
        }
        dotted += c;
    }
    std::vector<Segment> out;
    for (size_t start = 0, end = 0; end != std::string::npos; start = end + 1) {
        end = dotted.find('.', start);
        std::string token = dotted.substr(start, end == std::string::npos ? end : end - start);
        Segment s;
        if (token.empty()) {
            return bad("empty key");
        } else if (token.front() == '[') {
            if (token.back() != ']' || token.size() < 3) {
                return bad("an index is [N] or [*]");
            }
            const char* last = token.data() + token.size() - 1;
            auto [p, ec] = std::from_chars(token.data() + 1, last, s.n);
            s.any = token == "[*]";
            s.index = !s.any;
            if (!s.any && (ec != std::errc() || p != last)) {
                return bad("an index is [N] or [*]");
            }
        } else if (token.find_first_of("[]") != std::string::npos) {
            return bad("unexpected ']'");
        } else {
            s.any = token == "*";
            s.key = std::move(token);
        }
        out.push_back(std::move(s));
    }
    return out;
}

void erase_path(Json& v, const std::vector<Segment>& segs, size_t k) {
    const Segment& s = segs[k];
    const bool last = k + 1 == segs.size();
    if (!(v.is_object() && !s.index) && !(v.is_array() && (s.index || s.any))) {
        return; // the path does not go on here
    }
    if (s.any && last) {
        v = v.is_object() ? Json::object() : Json::array();
    } else if (s.any) {
        for (auto& child : v) {
            erase_path(child, segs, k + 1);
        }
    } else if (v.is_object()) {
        if (auto it = v.find(s.key); it != v.end()) {
            last ? (void)v.erase(it) : erase_path(*it, segs, k + 1);
        }
    } else if (s.n < v.size()) {
        last ? v.erase(s.n) : erase_path(v[s.n], segs, k + 1);
    }
}

// --- preparing one side -------------------------------------------------------------------

// A numbered placeholder met in an event: "<messageId-3>" at path "messageId".
struct Link {
    std::string path;
    std::string kind;
    uint32_t number = 0;
};

struct Prepared {
    int64_t origin = 0;
    // Normalised, ignored paths dropped, placeholder numbers masked, compact: equal events
    // have equal text. Kept as text (parsed again only to list differences): a parsed event
    // takes several times its size.
    std::string canonical;
    std::string group; // type and user: the unit of order
    std::string name;  // type and name: the candidates of any-order matching
    std::string label; // track "Order Completed"
    std::string user;  // user "u1", anonymousId "a1"
    std::vector<Link> links;
};

std::string compact(const Json& v) {
    return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string string_field(const Json& v, const char* key) {
    auto it = v.find(key);
    if (it == v.end() || it->is_null() || it->is_structured()) {
        return "";
    }
    return it->is_string() ? it->get<std::string>() : compact(*it);
}

// "<messageId-3>": kind messageId, number 3 (the numbered kinds of export/normalize.hpp).
bool numbered_placeholder(const std::string& s, std::string& kind, uint32_t& number) {
    const size_t dash = s.rfind('-');
    if (s.size() < 5 || s.front() != '<' || s.back() != '>' || dash == std::string::npos) {
        return false;
    }
    auto [p, ec] = std::from_chars(s.data() + dash + 1, s.data() + s.size() - 1, number);
    if (dash + 2 >= s.size() || ec != std::errc() || p != s.data() + s.size() - 1) {
        return false;
    }
    kind = s.substr(1, dash - 1);
    return kind == "messageId" || kind == "rudderId" || kind == "anonymousId" ||
           kind == "request_ip" || kind == "library.version";
}

std::string join_path(const std::vector<std::string>& stack) {
    std::string out;
    for (const auto& part : stack) {
        if (!out.empty() && part.front() != '[') {
            out += '.';
        }
        out += part;
    }
    return out;
}

void mask(Json& v, std::vector<std::string>& stack, std::vector<Link>& links) {
    if (v.is_string()) {
        Link link;
        if (numbered_placeholder(v.get_ref<const std::string&>(), link.kind, link.number)) {
            link.path = join_path(stack);
            v = "<" + link.kind + ">";
            links.push_back(std::move(link));
        }
    } else if (v.is_object()) {
        for (auto& item : v.items()) {
            stack.push_back(item.key());
            mask(item.value(), stack, links);
            stack.pop_back();
        }
    } else if (v.is_array()) {
        for (size_t i = 0; i < v.size(); ++i) {
            stack.push_back("[" + std::to_string(i) + "]");
            mask(v[i], stack, links);
            stack.pop_back();
        }
    }
}

std::string where(bool expected, int64_t origin) {
    return (expected ? "event " : "id ") + std::to_string(origin);
}

// The fields the gateway adds to every event: compared only when the fixture has them (a
// hand-written fixture need not list them; their values are placeholders anyway).
constexpr const char* k_gateway_fields[] = {"messageId", "rudderId", "receivedAt", "request_ip"};
using GatewayFields = std::array<bool, std::size(k_gateway_fields)>;

// expected: records in fixture which gateway fields it has; otherwise drops those it has not.
Result<std::vector<Prepared>> prepare(const std::vector<VerifyEvent>& events,
                                      const std::vector<std::vector<Segment>>& ignore,
                                      bool expected, GatewayFields& fixture) {
    Normalizer normalizer; // one per side: placeholders number each side's own values
    std::vector<Prepared> out;
    out.reserve(events.size());
    std::string text;
    for (const auto& e : events) {
        text.clear();
        if (!normalizer.normalize_into(e.json, text)) {
            return make_error(where(expected, e.origin) + ": not valid JSON");
        }
        Json v = Json::parse(text, nullptr, false);
        if (v.is_discarded() || !v.is_object()) {
            return make_error(where(expected, e.origin) + ": not a JSON object");
        }
        Prepared p;
        p.origin = e.origin;
        const std::string type = string_field(v, "type");
        std::string name = string_field(v, "event");
        if (name.empty() && (type == "page" || type == "screen")) {
            name = string_field(v, "name");
        }
        p.label = type.empty() ? "no type" : type;
        if (!name.empty()) {
            p.label.append(" ").append(compact(Json(name)));
        }
        const std::string user_id = string_field(v, "userId");
        const std::string anonymous_id = string_field(v, "anonymousId");
        if (!user_id.empty()) {
            p.user.append("user ").append(compact(Json(user_id)));
        } else if (!anonymous_id.empty()) {
            p.user.append("anonymousId ").append(compact(Json(anonymous_id)));
        } else {
            p.user = "no user";
        }
        p.group = type + '\x1f' + (user_id.empty() ? "a:" + anonymous_id : "u:" + user_id);
        p.name = type + '\x1f' + name;
        for (const auto& segs : ignore) {
            erase_path(v, segs, 0);
        }
        for (size_t k = 0; k < fixture.size(); ++k) {
            if (expected) {
                fixture[k] = fixture[k] || v.contains(k_gateway_fields[k]);
            } else if (!fixture[k]) {
                v.erase(k_gateway_fields[k]);
            }
        }
        std::vector<std::string> stack;
        mask(v, stack, p.links);
        p.canonical = compact(v);
        out.push_back(std::move(p));
    }
    return out;
}

// --- matching -----------------------------------------------------------------------------

struct Matching {
    std::vector<std::optional<size_t>> partner; // per expected event: the found one
    std::vector<bool> used;                     // per found event
    void pair(size_t e, size_t a) {
        partner[e] = a;
        used[a] = true;
    }
};

std::vector<JsonDifference> differences(const Prepared& e, const Prepared& a, size_t max = 1000) {
    if (e.canonical == a.canonical) {
        return {};
    }
    return json_diff(Json::parse(e.canonical), Json::parse(a.canonical), max);
}

template <typename Pred>
std::optional<size_t> ahead(const std::vector<size_t>& seq, size_t from, Pred pred) {
    for (size_t d = 1; d <= k_window && from + d < seq.size(); ++d) {
        if (pred(seq[from + d])) {
            return d;
        }
    }
    return std::nullopt;
}

// One (user, type) group of each side, in order (see the header).
void align(const std::vector<size_t>& es, const std::vector<size_t>& as,
           const std::vector<Prepared>& exp, const std::vector<Prepared>& found, Matching& m) {
    size_t i = 0, j = 0;
    while (i < es.size() && j < as.size()) {
        const Prepared& e = exp[es[i]];
        const Prepared& a = found[as[j]];
        if (e.canonical == a.canonical) {
            m.pair(es[i++], as[j++]);
            continue;
        }
        auto skip_found = ahead(as, j, [&](size_t x) { return found[x].canonical == e.canonical; });
        auto skip_exp = ahead(es, i, [&](size_t x) { return exp[x].canonical == a.canonical; });
        if (!skip_found && !skip_exp && e.name != a.name) {
            skip_found = ahead(as, j, [&](size_t x) { return found[x].name == e.name; });
            skip_exp = ahead(es, i, [&](size_t x) { return exp[x].name == a.name; });
        }
        if (skip_found && (!skip_exp || *skip_found <= *skip_exp)) {
            j += *skip_found; // found events before the resync point are unexpected
        } else if (skip_exp) {
            i += *skip_exp; // expected events before it are missing
        } else {
            m.pair(es[i++], as[j++]); // one changed event
        }
    }
}

void match_in_order(const std::vector<Prepared>& exp, const std::vector<Prepared>& found,
                    Matching& m) {
    std::vector<std::string_view> order;
    std::unordered_map<std::string_view, std::pair<std::vector<size_t>, std::vector<size_t>>>
        groups;
    for (size_t e = 0; e < exp.size(); ++e) {
        auto [it, added] = groups.try_emplace(exp[e].group);
        if (added) {
            order.push_back(exp[e].group);
        }
        it->second.first.push_back(e);
    }
    for (size_t a = 0; a < found.size(); ++a) {
        if (auto it = groups.find(found[a].group); it != groups.end()) {
            it->second.second.push_back(a);
        }
    }
    for (auto key : order) {
        const auto& [es, as] = groups.at(key);
        align(es, as, exp, found, m);
    }
}

void match_any_order(const std::vector<Prepared>& exp, const std::vector<Prepared>& found,
                     Matching& m) {
    std::unordered_map<std::string_view, std::deque<size_t>> by_text;
    for (size_t a = 0; a < found.size(); ++a) {
        by_text[found[a].canonical].push_back(a);
    }
    std::vector<size_t> left;
    for (size_t e = 0; e < exp.size(); ++e) {
        auto it = by_text.find(exp[e].canonical);
        if (it != by_text.end() && !it->second.empty()) {
            m.pair(e, it->second.front());
            it->second.pop_front();
        } else {
            left.push_back(e);
        }
    }
    std::unordered_map<std::string_view, std::vector<size_t>> by_name;
    for (size_t a = 0; a < found.size(); ++a) {
        if (!m.used[a]) {
            by_name[found[a].name].push_back(a);
        }
    }
    std::vector<std::optional<Json>> parsed(found.size()); // the candidates, parsed once
    for (size_t e : left) {
        auto it = by_name.find(exp[e].name);
        if (it == by_name.end()) {
            continue;
        }
        auto& candidates = it->second;
        const Json event = Json::parse(exp[e].canonical);
        std::optional<size_t> best;
        size_t best_diffs = 1000;
        for (size_t k = 0; k < candidates.size() && k < k_candidates; ++k) {
            auto& candidate = parsed[candidates[k]];
            if (!candidate) {
                candidate = Json::parse(found[candidates[k]].canonical);
            }
            const size_t n = json_diff(event, *candidate, best_diffs).size();
            if (n < best_diffs || !best) {
                best = k;
                best_diffs = n;
                if (n == 0) {
                    break;
                }
            }
        }
        if (best) {
            m.pair(e, candidates[*best]);
            parsed[candidates[*best]].reset();
            candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(*best));
        }
    }
}

// --- the report ---------------------------------------------------------------------------

std::string shown(const std::string& text) {
    if (text.size() <= k_max_shown) {
        return text;
    }
    size_t cut = k_max_shown;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
        --cut; // not inside a UTF-8 sequence
    }
    return text.substr(0, cut) + "...";
}

std::string difference_text(const JsonDifference& d) {
    const std::string path = d.path.empty() ? "(the event)" : d.path;
    switch (d.kind) {
    case JsonDifference::Kind::only_left:
        return path + ": expected " + shown(d.left) + ", got nothing";
    case JsonDifference::Kind::only_right:
        return path + ": expected nothing, got " + shown(d.right);
    case JsonDifference::Kind::changed:
        break;
    }
    return path + ": expected " + shown(d.left) + ", got " + shown(d.right);
}

// The correspondence of placeholder numbers, expected -> found and back, with the expected
// event where each was first seen.
struct Links {
    std::map<std::pair<std::string, uint32_t>, std::pair<uint32_t, int64_t>> expected, found;

    void check(const Prepared& e, const Prepared& a, std::vector<std::string>& out) {
        for (const Link& le : e.links) {
            const Link* la = nullptr;
            for (const Link& l : a.links) {
                if (l.path == le.path && l.kind == le.kind) {
                    la = &l;
                    break;
                }
            }
            if (!la) {
                continue; // the value differs: json_diff reports it
            }
            auto [ie, new_e] = expected.try_emplace({le.kind, le.number}, la->number, e.origin);
            auto [ia, new_a] = found.try_emplace({la->kind, la->number}, le.number, e.origin);
            if (!new_e && ie->second.first != la->number) {
                out.push_back(le.path + ": expected the same value as event " +
                              std::to_string(ie->second.second) + ", got another");
            } else if (!new_a && ia->second.first != le.number) {
                out.push_back(le.path + ": expected a value other than event " +
                              std::to_string(ia->second.second) + "'s, got the same");
            }
        }
    }
};

// A missing or unexpected event: "missing: event 3 (track \"A\", user \"u1\")".
VerifyFinding finding(VerifyFinding::Kind kind, int64_t expected, int64_t found,
                      const std::string& head, const Prepared& p) {
    return {kind, expected, found, {head + ", " + p.user + ")"}};
}

} // namespace

Result<std::vector<VerifyEvent>> parse_fixture(std::string_view text) {
    std::vector<VerifyEvent> out;
    if (text.substr(0, 3) == "\xEF\xBB\xBF") {
        text.remove_prefix(3); // a UTF-8 byte order mark
    }
    const size_t first = text.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && text[first] == '[') {
        if (!json::validate(text, k_max_depth)) {
            return make_error("not a valid JSON array (half-written?)");
        }
        int64_t n = 0;
        for (std::string_view element : json::elements(json::trim(text))) {
            if (json::kind_of(element) != json::Kind::object) {
                return make_error("event " + std::to_string(n + 1) + ": not a JSON object");
            }
            out.push_back({std::string(element), ++n});
        }
        return out;
    }
    int64_t line_no = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t nl = text.find('\n', pos);
        const bool complete = nl != std::string_view::npos;
        std::string_view line = text.substr(pos, complete ? nl - pos : std::string_view::npos);
        pos = complete ? nl + 1 : text.size();
        ++line_no;
        if (blank(line)) {
            continue;
        }
        if (!json::validate(line, k_max_depth)) {
            return make_error("line " + std::to_string(line_no) + ": not valid JSON" +
                              (complete ? "" : " (the file ends inside it: half-written?)"));
        }
        line = json::trim(line);
        if (json::kind_of(line) != json::Kind::object) {
            return make_error("line " + std::to_string(line_no) +
                              ": not a JSON object (one event per line)");
        }
        out.push_back({std::string(line), line_no});
    }
    return out;
}

Status check_ignore_path(std::string_view path) {
    auto segs = parse_path(path);
    if (!segs) {
        return segs.error();
    }
    return Ok{};
}

std::string VerifyReport::summary() const {
    return "verify: " + std::to_string(expected) + " expected, " + std::to_string(found) +
           " found, " + std::to_string(missing) + " missing, " + std::to_string(unexpected) +
           " unexpected, " + std::to_string(different) + " different";
}

Result<VerifyReport> verify_events(const std::vector<VerifyEvent>& expected,
                                   const std::vector<VerifyEvent>& found,
                                   const VerifyOptions& options) {
    try {
        std::vector<std::vector<Segment>> ignore;
        for (const auto& path : options.ignore) {
            auto segs = parse_path(path);
            if (!segs) {
                return segs.error();
            }
            ignore.push_back(std::move(*segs));
        }
        GatewayFields fixture{};
        auto exp = prepare(expected, ignore, true, fixture);
        if (!exp) {
            return exp.error();
        }
        auto got = prepare(found, ignore, false, fixture);
        if (!got) {
            return got.error();
        }
        Matching m;
        m.partner.resize(exp->size());
        m.used.resize(got->size());
        options.any_order ? match_any_order(*exp, *got, m) : match_in_order(*exp, *got, m);

        VerifyReport report;
        report.expected = exp->size();
        report.found = got->size();
        Links links;
        for (size_t i = 0; i < exp->size(); ++i) {
            const Prepared& e = (*exp)[i];
            const std::string head = "event " + std::to_string(e.origin) + " (" + e.label;
            if (!m.partner[i]) {
                ++report.missing;
                report.findings.push_back(
                    finding(VerifyFinding::Kind::missing, e.origin, 0, "missing: " + head, e));
                continue;
            }
            const Prepared& a = (*got)[*m.partner[i]];
            std::vector<std::string> paths;
            for (const auto& d : differences(e, a)) {
                paths.push_back(difference_text(d));
            }
            links.check(e, a, paths);
            if (paths.empty()) {
                continue;
            }
            ++report.different;
            VerifyFinding f{VerifyFinding::Kind::different, e.origin, a.origin, {}};
            for (size_t k = 0; k < paths.size() && k < options.max_paths_per_event; ++k) {
                f.lines.push_back(head + "): " + paths[k]);
            }
            if (paths.size() > options.max_paths_per_event) {
                f.lines.push_back(head + "): and " +
                                  std::to_string(paths.size() - options.max_paths_per_event) +
                                  " more differences");
            }
            report.findings.push_back(std::move(f));
        }
        for (size_t k = 0; k < got->size(); ++k) {
            if (!m.used[k]) {
                const Prepared& a = (*got)[k];
                ++report.unexpected;
                report.findings.push_back(
                    finding(VerifyFinding::Kind::unexpected, 0, a.origin,
                            "unexpected: id " + std::to_string(a.origin) + " (" + a.label, a));
            }
        }
        return report;
    } catch (const std::exception& e) { // nlohmann or allocation: never past this boundary
        return make_error(std::string("verify: ") + e.what());
    }
}

} // namespace rm
