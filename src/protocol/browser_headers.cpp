#include "protocol/browser_headers.hpp"

#include "util/encoding.hpp"
#include "util/json_writer.hpp"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>

namespace rm {

namespace {
bool same_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        auto x = static_cast<unsigned char>(a[i]);
        auto y = static_cast<unsigned char>(b[i]);
        if (std::tolower(x) != std::tolower(y)) {
            return false;
        }
    }
    return true;
}

// The first string value of a header (a repeated header is an array in the journal).
std::optional<std::string> first_value(const nlohmann::json& v) {
    if (v.is_string()) {
        return v.get<std::string>();
    }
    if (v.is_array() && !v.empty() && v.front().is_string()) {
        return v.front().get<std::string>();
    }
    return std::nullopt;
}

void put_number_or_text(JsonWriter& w, std::string_view key, const std::string& text) {
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    w.key(key);
    if (!text.empty() && ec == std::errc() && ptr == text.data() + text.size()) {
        w.value(n);
    } else {
        w.value(text);
    }
}
} // namespace

bool BrowserHeaders::any() const {
    return anonymous_id || anonymous_id_raw || sent_at || retry_attempt || since_last_attempt ||
           since_first_attempt || retry_reason || recovered;
}

BrowserHeaders read_browser_headers(std::string_view headers_json) {
    BrowserHeaders out;
    auto doc = nlohmann::json::parse(headers_json, nullptr, false);
    if (!doc.is_object()) {
        return out;
    }
    const std::pair<const char*, std::optional<std::string> BrowserHeaders::*> k_plain[] = {
        {"SentAt", &BrowserHeaders::sent_at},
        {"Rsa-Retry-Attempt", &BrowserHeaders::retry_attempt},
        {"Rsa-Since-Last-Attempt", &BrowserHeaders::since_last_attempt},
        {"Rsa-Since-First-Attempt", &BrowserHeaders::since_first_attempt},
        {"Rsa-Retry-Reason", &BrowserHeaders::retry_reason},
        {"Rsa-Recovered", &BrowserHeaders::recovered},
    };
    for (const auto& [name, value] : doc.items()) {
        if (same_name(name, "AnonymousId")) {
            if (auto text = first_value(value)) {
                if (auto decoded = base64_decode(*text)) {
                    out.anonymous_id = std::move(*decoded);
                } else {
                    out.anonymous_id_raw = std::move(*text);
                }
            }
            continue;
        }
        for (const auto& [wanted, member] : k_plain) {
            if (same_name(name, wanted)) {
                out.*member = first_value(value);
            }
        }
    }
    return out;
}

std::string browser_headers_json(const BrowserHeaders& h) {
    if (!h.any()) {
        return "null";
    }
    JsonWriter w;
    w.begin_object();
    if (h.anonymous_id) {
        w.key("anonymous_id_header").value(*h.anonymous_id);
    }
    if (h.anonymous_id_raw) { // not base64: shown as sent, and said so
        w.key("anonymous_id_header_raw").value(*h.anonymous_id_raw);
    }
    if (h.sent_at) {
        w.key("sent_at").value(*h.sent_at);
    }
    if (h.retry_attempt) {
        put_number_or_text(w, "retry_attempt", *h.retry_attempt);
    }
    if (h.since_last_attempt) {
        put_number_or_text(w, "since_last_attempt_ms", *h.since_last_attempt);
    }
    if (h.since_first_attempt) {
        put_number_or_text(w, "since_first_attempt_ms", *h.since_first_attempt);
    }
    if (h.retry_reason) {
        w.key("retry_reason").value(*h.retry_reason);
    }
    if (h.recovered) {
        w.key("recovered");
        if (*h.recovered == "true" || *h.recovered == "false") {
            w.value(*h.recovered == "true");
        } else {
            w.value(*h.recovered);
        }
    }
    w.end_object();
    return w.take();
}

} // namespace rm
