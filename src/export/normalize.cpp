#include "export/normalize.hpp"

#include "protocol/json_scan.hpp"
#include "util/clock.hpp"
#include "util/encoding.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

namespace rm {

namespace {
// As deep as the gateway accepts (protocol/events.hpp, k_max_json_depth).
constexpr int k_max_depth = 10000;

constexpr const char* k_kind_names[] = {"messageId", "rudderId", "anonymousId", "request_ip",
                                        "library.version"};

std::string unescaped_key(std::string_view key) {
    std::string quoted(1, '"');
    quoted.append(key);
    quoted.push_back('"');
    return json::unescape(quoted);
}

bool is_string(std::string_view v) {
    return !v.empty() && v.front() == '"';
}

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
} // namespace

bool Normalizer::looks_like_uuid(std::string_view t) {
    if (t.size() != 36) {
        return false;
    }
    for (size_t i = 0; i < t.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? t[i] != '-' : !is_hex(t[i])) {
            return false;
        }
    }
    return true;
}

Result<std::string> Normalizer::normalize(std::string_view json_text) {
    std::string out;
    if (!normalize_into(json_text, out)) {
        return make_error("not valid JSON");
    }
    return out;
}

bool Normalizer::normalize_into(std::string_view json_text, std::string& out) {
    if (!json::validate(json_text, k_max_depth)) {
        return false;
    }
    out.reserve(out.size() + json_text.size() + 64);
    value(json::trim(json_text), Path::other, out);
    return true;
}

std::string Normalizer::placeholder(Kind kind, std::string_view value) {
    std::string out;
    append_placeholder(kind, value, out);
    return out.substr(1, out.size() - 2); // without the quotes
}

void Normalizer::append_placeholder(Kind kind, std::string_view value, std::string& out) {
    const uint32_t number =
        m_seen[static_cast<size_t>(kind)].number_of(static_cast<uint64_t>(key_hash(value)));
    out += "\"<";
    out += k_kind_names[static_cast<size_t>(kind)];
    out += '-';
    char digits[16];
    auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
    out.append(digits, end);
    out += ">\"";
}

uint32_t Normalizer::Numbering::number_of(uint64_t hash) {
    if (m_count * 2 >= m_slots.size()) { // at most half full
        std::vector<Slot> old(std::max<size_t>(64, m_slots.size() * 2));
        old.swap(m_slots);
        for (const Slot& s : old) {
            if (s.number != 0) {
                size_t i = s.hash & (m_slots.size() - 1);
                while (m_slots[i].number != 0) {
                    i = (i + 1) & (m_slots.size() - 1);
                }
                m_slots[i] = s;
            }
        }
    }
    size_t i = hash & (m_slots.size() - 1);
    for (;; i = (i + 1) & (m_slots.size() - 1)) {
        if (m_slots[i].number == 0) {
            m_slots[i] = Slot{hash, ++m_count};
            return m_count;
        }
        if (m_slots[i].hash == hash) {
            return m_slots[i].number;
        }
    }
}

void Normalizer::value(std::string_view v, Path path, std::string& out) {
    switch (json::kind_of(v)) {
    case json::Kind::object:
        object(v, path, out);
        return;
    case json::Kind::array: {
        out += '[';
        bool first = true;
        for (std::string_view element : json::elements(v)) {
            if (!first) {
                out += ',';
            }
            first = false;
            value(element, Path::other, out);
        }
        out += ']';
        return;
    }
    default:
        out.append(v); // scalars as written
        return;
    }
}

void Normalizer::object(std::string_view v, Path path, std::string& out) {
    const std::vector<json::Member> members = json::members(v);
    struct Entry {
        std::string_view sort_key;
        const json::Member* member;
    };
    std::vector<Entry> entries;
    entries.reserve(members.size());
    std::vector<std::string> unescaped; // keys written with escapes, decoded for sorting
    for (const auto& m : members) {
        if (m.key.find('\\') == std::string_view::npos) {
            entries.push_back({m.key, &m});
        } else {
            if (unescaped.empty()) {
                unescaped.reserve(members.size()); // never reallocated: the views stay valid
            }
            unescaped.push_back(unescaped_key(m.key));
            entries.push_back({unescaped.back(), &m});
        }
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return a.sort_key < b.sort_key; });
    out += '{';
    bool first = true;
    for (const auto& e : entries) {
        if (!first) {
            out += ',';
        }
        first = false;
        out += '"';
        out.append(e.member->key);
        out += "\":";
        if (replace(e.sort_key, e.member->value, path, out)) {
            continue;
        }
        Path next = Path::other;
        if (e.sort_key == "context") {
            next = Path::context;
        } else if (path == Path::context && e.sort_key == "library") {
            next = Path::library;
        }
        value(e.member->value, next, out);
    }
    out += '}';
}

bool Normalizer::replace(std::string_view key, std::string_view v, Path path, std::string& out) {
    if (key == "_metadata") {
        out += "\"<_metadata>\"";
        return true;
    }
    if (!is_string(v)) {
        return false;
    }
    auto numbered = [&](Kind kind) {
        const std::string_view inner = v.substr(1, v.size() - 2);
        if (inner.find('\\') == std::string_view::npos) {
            append_placeholder(kind, inner, out); // the common case: nothing to decode
        } else {
            append_placeholder(kind, json::unescape(v), out);
        }
        return true;
    };
    if (path == Path::library && key == "version") {
        return numbered(Kind::library_version);
    }
    if (key == "messageId") {
        return numbered(Kind::message_id);
    }
    if (key == "rudderId") {
        return numbered(Kind::rudder_id);
    }
    if (key == "request_ip") {
        return numbered(Kind::request_ip);
    }
    if (key == "anonymousId") {
        std::string text = json::unescape(v);
        if (!looks_like_uuid(text)) {
            return false;
        }
        append_placeholder(Kind::anonymous_id, text, out);
        return true;
    }
    if (key == "sentAt" || key == "originalTimestamp" || key == "timestamp" ||
        key == "receivedAt") {
        if (!looks_like_iso8601(json::unescape(v))) {
            return false;
        }
        out += "\"<timestamp>\"";
        return true;
    }
    return false;
}

} // namespace rm
