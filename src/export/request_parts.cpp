// Journaled requests made ready for the har and curl writers (formats.hpp).
#include "export/formats.hpp"

#include "protocol/json_scan.hpp"
#include "util/clock.hpp"
#include "util/encoding.hpp"

namespace rm::export_detail {

namespace {

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string scalar_text(std::string_view v) {
    return json::kind_of(v) == json::Kind::string ? json::unescape(v) : std::string(v);
}

// headers_json: {"Name": "value" or ["v1", "v2"]} as journal_record() writes it.
std::vector<Header> parse_headers(std::string_view headers_json) {
    std::vector<Header> out;
    if (!json::validate(headers_json, 8)) {
        return out;
    }
    std::string_view root = json::trim(headers_json);
    if (json::kind_of(root) != json::Kind::object) {
        return out;
    }
    for (const auto& m : json::members(root)) {
        std::string quoted(1, '"');
        quoted.append(m.key);
        quoted.push_back('"');
        std::string name = json::unescape(quoted);
        if (json::kind_of(m.value) == json::Kind::array) {
            for (std::string_view v : json::elements(m.value)) {
                out.push_back({name, scalar_text(v)});
            }
        } else {
            out.push_back({name, scalar_text(m.value)});
        }
    }
    return out;
}

// The path as a URL path: bytes outside RFC 3986's pchar set (and '/') percent-encoded. The
// journal keeps the path decoded, as the HTTP library hands it over.
std::string encode_path(std::string_view path) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : path) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') ||
                           std::string_view("-._~!$&'()*+,;=:@/").find(static_cast<char>(c)) !=
                               std::string_view::npos;
        if (plain) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// Volatile headers under --normalize (exporter.hpp).
void normalize_headers(std::vector<Header>& headers, Normalizer& normalizer, size_t body_size,
                       bool body_changed) {
    for (auto& h : headers) {
        if (same_name(h.name, "Date")) {
            h.value = "<date>";
        } else if (same_name(h.name, "SentAt")) {
            if (looks_like_iso8601(h.value)) {
                h.value = "<timestamp>";
            }
        } else if (same_name(h.name, "AnonymousId")) {
            // The JavaScript SDK sends base64(anonymousId).
            auto decoded = base64_decode(h.value);
            if (decoded && Normalizer::looks_like_uuid(*decoded)) {
                h.value = normalizer.placeholder(Normalizer::Kind::anonymous_id, *decoded);
            } else if (Normalizer::looks_like_uuid(h.value)) {
                h.value = normalizer.placeholder(Normalizer::Kind::anonymous_id, h.value);
            }
        } else if (same_name(h.name, "User-Agent")) {
            h.value = "<user-agent>";
        } else if (same_name(h.name, "Host")) {
            h.value = "localhost";
        } else if (same_name(h.name, "Content-Length") && body_changed) {
            h.value = std::to_string(body_size);
        }
    }
}

} // namespace

bool same_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

const Header* find_header(const std::vector<Header>& headers, std::string_view name) {
    for (const auto& h : headers) {
        if (same_name(h.name, name)) {
            return &h;
        }
    }
    return nullptr;
}

RequestView view_request(const StoredRequest& request, Normalizer* normalizer) {
    const RequestRecord& rec = request.record;
    RequestView v;
    v.headers = parse_headers(rec.headers_json);
    v.original_body = &rec.body;
    if (normalizer && !rec.body.empty()) {
        v.body_normalized = normalizer->normalize_into(rec.body, v.normalized_body);
    }
    if (normalizer) {
        normalize_headers(v.headers, *normalizer, v.body().size(), v.body_normalized);
    }
    const Header* host = find_header(v.headers, "Host");
    v.host = host && !host->value.empty() ? host->value : "localhost";
    v.url_path = encode_path(rec.path.empty() ? "/" : rec.path);
    if (!rec.query.empty()) {
        v.url_path += '?';
        v.url_path += rec.query;
    }
    return v;
}

} // namespace rm::export_detail
