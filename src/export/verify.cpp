#include "export/verify.hpp"

#include "export/json_diff.hpp"
#include "export/verify_internal.hpp"

#include <nlohmann/json.hpp>

#include <deque>
#include <map>
#include <optional>
#include <unordered_map>

namespace rm {

namespace {
using verify_detail::GatewayFields;
using verify_detail::Json;
using verify_detail::Link;
using verify_detail::parse_path;
using verify_detail::prepare;
using verify_detail::Prepared;
using verify_detail::Segment;

// How far the ordered aligner looks ahead, and how many candidates any-order tries.
constexpr size_t k_window = 32;
constexpr size_t k_candidates = 256;
// Values longer than this are cut in the report.
constexpr size_t k_max_shown = 120;

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
