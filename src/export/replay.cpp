#include "export/replay.hpp"

#include "export/verify.hpp"
#include "protocol/json_scan.hpp"
#include "util/clock.hpp"
#include "util/encoding.hpp"

#include <algorithm>

namespace rm {

namespace {

constexpr int k_max_depth = 10000;
constexpr std::string_view k_types[] = {"identify", "track", "page",  "screen",
                                        "group",    "alias", "merge", "audiencelist"};

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

std::string quoted(std::string_view s) {
    std::string out(1, '"');
    out.append(s);
    out.push_back('"');
    return out;
}

std::string percent_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// Gives the placeholders of a normalised export real values (see the header).
class Filler {
  public:
    explicit Filler(const ReplayPlanOptions& o)
        : m_now(format_rfc3339_ms(o.now_ms)), m_new_id(o.new_id) {
        if (!m_new_id) {
            m_new_id = random_uuid_v4;
        }
    }

    // The replacement of a string placeholder, or nullopt to keep the text.
    std::optional<std::string> replacement(const std::string& s) {
        if (s == "<timestamp>") {
            return m_now;
        }
        for (std::string_view kind : {"<messageId-", "<anonymousId-", "<rudderId-"}) {
            if (s.size() > kind.size() + 1 && s.compare(0, kind.size(), kind) == 0 &&
                s.back() == '>' &&
                std::all_of(s.begin() + static_cast<std::ptrdiff_t>(kind.size()), s.end() - 1,
                            [](char c) { return c >= '0' && c <= '9'; })) {
                auto [it, added] = m_ids.try_emplace(s);
                if (added) {
                    it->second = m_new_id();
                }
                return it->second;
            }
        }
        return std::nullopt;
    }

    // Appends v with its placeholders filled; top: an event, whose gateway fields are left out.
    void value(std::string_view v, bool top, std::string& out) {
        switch (json::kind_of(v)) {
        case json::Kind::object: {
            out += '{';
            bool first = true;
            for (const auto& m : json::members(v)) {
                if ((top && (json::key_is(m.key, "rudderId") || json::key_is(m.key, "receivedAt") ||
                             json::key_is(m.key, "request_ip"))) ||
                    (json::key_is(m.key, "_metadata") && m.value == "\"<_metadata>\"")) {
                    continue;
                }
                out += first ? "\"" : ",\"";
                first = false;
                out.append(m.key);
                out += "\":";
                value(m.value, false, out);
            }
            out += '}';
            return;
        }
        case json::Kind::array: {
            out += '[';
            bool first = true;
            for (std::string_view e : json::elements(v)) {
                if (!first) {
                    out += ',';
                }
                first = false;
                value(e, false, out);
            }
            out += ']';
            return;
        }
        case json::Kind::string:
            if (v.size() > 3 && v[1] == '<' && v[v.size() - 2] == '>') {
                if (auto r = replacement(json::unescape(v))) {
                    out += quoted(*r);
                    return;
                }
            }
            out.append(v);
            return;
        default:
            out.append(v);
            return;
        }
    }

  private:
    std::string m_now;
    std::function<std::string()> m_new_id;
    std::map<std::string, std::string> m_ids;
};

std::string lines_text(const std::vector<int64_t>& lines) {
    std::string out = lines.size() == 1 ? "line " : "lines ";
    for (size_t i = 0; i < lines.size();) {
        size_t j = i;
        while (j + 1 < lines.size() && lines[j + 1] == lines[j] + 1) {
            ++j;
        }
        if (i > 0) {
            out += ", ";
        }
        out += std::to_string(lines[i]);
        if (j > i) {
            out += '-';
            out += std::to_string(lines[j]);
        }
        i = j + 1;
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> auth_headers(const std::string& write_key) {
    return {{"Authorization", "Basic " + base64_encode(write_key + ":")},
            {"Content-Type", "application/json"},
            {"User-Agent", "ruddermock-replay"}};
}

Result<ReplayPlan> plan_events(std::string_view text, const ReplayPlanOptions& o) {
    auto events = parse_fixture(text);
    if (!events) {
        return events.error();
    }
    Filler filler(o);
    ReplayPlan plan;
    ReplayRequest batch;
    std::vector<int64_t> batch_lines;
    auto flush = [&] {
        if (batch_lines.empty()) {
            return;
        }
        batch.body += "]}";
        batch.where = lines_text(batch_lines);
        plan.requests.push_back(std::move(batch));
        batch = ReplayRequest{};
        batch_lines.clear();
    };
    for (const auto& e : *events) {
        const std::string line = "line " + std::to_string(e.origin);
        std::string type;
        for (const auto& m : json::members(e.json)) {
            if (json::key_is(m.key, "type") && json::kind_of(m.value) == json::Kind::string) {
                type = json::unescape(m.value);
            }
        }
        if (type.empty()) {
            return make_error(line + ": no type (identify, track, page, ...)");
        }
        if (std::find(std::begin(k_types), std::end(k_types), type) == std::end(k_types)) {
            return make_error(line + ": type '" + type + "' has no /v1 route to replay it to");
        }
        std::string body;
        filler.value(e.json, true, body);
        if (o.batch == 0) {
            ReplayRequest r;
            r.path = o.base_path + "/v1/" + type;
            r.headers = auth_headers(o.write_key);
            r.body = std::move(body);
            r.events = 1;
            r.where = line;
            plan.requests.push_back(std::move(r));
            continue;
        }
        if (!batch_lines.empty() && (batch_lines.size() >= o.batch ||
                                     batch.body.size() + body.size() + 3 > o.max_batch_bytes)) {
            flush();
        }
        if (batch_lines.empty()) {
            batch.path = o.base_path + "/v1/batch";
            batch.headers = auth_headers(o.write_key);
            batch.body = "{\"batch\":[";
        } else {
            batch.body += ',';
        }
        batch.body += body;
        batch.events += 1;
        batch_lines.push_back(e.origin);
    }
    flush();
    return plan;
}

std::string_view member(std::string_view object, std::string_view name, json::Kind kind) {
    if (json::kind_of(object) != json::Kind::object) {
        return {};
    }
    for (const auto& m : json::members(object)) {
        if (json::key_is(m.key, name) && json::kind_of(m.value) == kind) {
            return m.value;
        }
    }
    return {};
}

std::string string_member(std::string_view object, std::string_view name) {
    std::string_view v = member(object, name, json::Kind::string);
    return v.empty() ? std::string() : json::unescape(v);
}

// path?query with the writeKey parameter's value replaced; found tells whether there was one.
std::string replace_write_key(const std::string& path, const std::string& key, bool& found) {
    const size_t q = path.find('?');
    if (q == std::string::npos) {
        return path;
    }
    std::string out = path.substr(0, q + 1);
    std::string_view query = std::string_view(path).substr(q + 1);
    bool first = true;
    while (true) {
        const size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        out += first ? "" : "&";
        first = false;
        if (pair.substr(0, pair.find('=')) == "writeKey") {
            out += "writeKey=" + percent_encode(key);
            found = true;
        } else {
            out.append(pair);
        }
        if (amp == std::string_view::npos) {
            return out;
        }
        query.remove_prefix(amp + 1);
    }
}

Result<ReplayPlan> plan_har(std::string_view text, const ReplayPlanOptions& o) {
    if (!json::validate(text, k_max_depth)) {
        return make_error("not valid JSON (a HAR file)");
    }
    std::string_view entries =
        member(member(json::trim(text), "log", json::Kind::object), "entries", json::Kind::array);
    if (entries.empty()) {
        return make_error("not a HAR file (no log.entries)");
    }
    static constexpr std::string_view k_dropped[] = {
        "Host",       "Content-Length", "Content-Encoding",  "Accept-Encoding",
        "Connection", "Keep-Alive",     "Transfer-Encoding", "TE",
        "Trailer",    "Upgrade",        "Proxy-Connection",  "Proxy-Authorization"};
    Filler filler(o);
    ReplayPlan plan;
    plan.har = true;
    int64_t n = 0;
    for (std::string_view entry : json::elements(entries)) {
        const std::string where = "entry " + std::to_string(++n);
        std::string_view request = member(entry, "request", json::Kind::object);
        if (request.empty()) {
            return make_error(where + ": no request");
        }
        ReplayRequest r;
        r.method = string_member(request, "method");
        std::string url = string_member(request, "url");
        if (r.method.empty() || url.empty()) {
            return make_error(where + ": no request.method or request.url");
        }
        if (size_t scheme = url.find("://"); scheme != std::string::npos) {
            const size_t slash = url.find('/', scheme + 3);
            url = slash == std::string::npos ? "/" : url.substr(slash);
        }
        if (url.front() != '/') {
            return make_error(where + ": request.url is not a URL: " + url);
        }
        bool has_key = false;
        const bool own_key = o.write_key.empty(); // keep each entry's own key
        r.path = o.base_path + (own_key ? url : replace_write_key(url, o.write_key, has_key));
        bool has_auth = false;
        std::string content_type;
        std::string_view headers = member(request, "headers", json::Kind::array);
        for (std::string_view h :
             headers.empty() ? std::vector<std::string_view>{} : json::elements(headers)) {
            std::string name = string_member(h, "name");
            std::string value = string_member(h, "value");
            if (name.empty() || std::any_of(std::begin(k_dropped), std::end(k_dropped),
                                            [&](auto d) { return same_name(name, d); })) {
                continue;
            }
            if ((same_name(name, "Date") && value == "<date>") ||
                (same_name(name, "User-Agent") && value == "<user-agent>")) {
                continue;
            }
            if (same_name(name, "Authorization") && !own_key) {
                has_auth = true;
                continue;
            }
            if (same_name(name, "Content-Type")) {
                content_type = value;
                continue;
            }
            if (auto filled = filler.replacement(value)) {
                value = *filled; // AnonymousId, SentAt of a normalised export
            }
            r.headers.emplace_back(std::move(name), std::move(value));
        }
        if (has_auth || !has_key) {
            r.headers.emplace_back("Authorization", "Basic " + base64_encode(o.write_key + ":"));
        }
        std::string_view post = member(request, "postData", json::Kind::object);
        std::string body = post.empty() ? std::string() : string_member(post, "text");
        if (content_type.empty() && !post.empty()) {
            content_type = string_member(post, "mimeType");
        }
        if (!content_type.empty()) {
            r.headers.emplace_back("Content-Type", content_type);
        }
        if (!body.empty() && json::validate(body, k_max_depth)) {
            filler.value(json::trim(body), false, r.body);
        } else {
            r.body = std::move(body);
        }
        r.where = where + " (" + r.method + " " + url.substr(0, url.find('?')) + ")";
        plan.requests.push_back(std::move(r));
    }
    return plan;
}

} // namespace

int64_t ReplayPlan::units() const {
    int64_t n = 0;
    for (const auto& r : requests) {
        n += har ? 1 : r.events;
    }
    return n;
}

ReplayInput detect_replay_input(std::string_view file_name, std::string_view text) {
    if (file_name.size() >= 4 && same_name(file_name.substr(file_name.size() - 4), ".har")) {
        return ReplayInput::har;
    }
    if (json::validate(text, k_max_depth) &&
        !member(json::trim(text), "log", json::Kind::object).empty()) {
        return ReplayInput::har;
    }
    return ReplayInput::ndjson;
}

Result<ReplayPlan> plan_replay(std::string_view text, ReplayInput input,
                               const ReplayPlanOptions& options) {
    return input == ReplayInput::har ? plan_har(text, options) : plan_events(text, options);
}

} // namespace rm
