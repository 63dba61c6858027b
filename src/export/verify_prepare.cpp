// The inputs of `ruddermock verify`: fixtures read (NDJSON or a JSON array), --ignore paths
// parsed and applied, and each side prepared for matching (normalised, placeholders masked).
#include "export/normalize.hpp"
#include "export/verify.hpp"
#include "export/verify_internal.hpp"
#include "protocol/json_scan.hpp"

#include <charconv>

namespace rm {

namespace {

// As deep as the gateway accepts (protocol/events.hpp).
constexpr int k_max_depth = 10000;

bool blank(std::string_view s) {
    return s.find_first_not_of(" \t\r") == std::string_view::npos;
}
} // namespace

namespace verify_detail {

// --- ignore paths -------------------------------------------------------------------------

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

namespace {
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
} // namespace

// --- preparing one side -------------------------------------------------------------------

namespace {
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
} // namespace

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

} // namespace verify_detail

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

using verify_detail::parse_path;

Status check_ignore_path(std::string_view path) {
    auto segs = parse_path(path);
    if (!segs) {
        return segs.error();
    }
    return Ok{};
}

} // namespace rm
