// Bodies of the routes that are not plain event routes: internal batch, pixel and webhook.
// Request bodies are read with the scanner (no recursion, whatever the nesting); only the
// pixel's small, bounded event is built as a JSON tree.
#include "protocol/clean.hpp"
#include "protocol/event_text.hpp"
#include "protocol/events.hpp"
#include "protocol/json_scan.hpp"
#include "util/json_writer.hpp"
#include "util/utf8.hpp"

#include <nlohmann/json.hpp>

namespace rm {

Prepared prepare_internal_batch(std::string_view body) {
    Prepared out;
    if (!json::validate(body, k_max_json_depth)) {
        out.reason = Reason::invalid_json;
        return out;
    }
    std::string_view root = json::trim(body);
    std::vector<std::string_view> messages;
    if (json::kind_of(root) == json::Kind::array) {
        messages = json::elements(root);
    }
    if (messages.empty()) {
        out.reason = Reason::invalid_event;
        return out;
    }
    static constexpr std::string_view property_keys[] = {"requestType", "routingKey", "workspaceID",
                                                         "sourceID",    "receivedAt", "requestIP"};
    static constexpr std::string_view payload_keys[] = {"messageId", "receivedAt", "request_ip",
                                                        "rudderId"};
    auto object_members = [](const json::Member* m) {
        return m && json::kind_of(m->value) == json::Kind::object
                   ? std::optional(json::members(m->value))
                   : std::nullopt;
    };
    for (auto msg : messages) {
        std::optional<std::vector<json::Member>> props, payload;
        if (json::kind_of(msg) == json::Kind::object) {
            auto fields = json::members(msg);
            props = object_members(detail::find_member(fields, "properties"));
            payload = object_members(detail::find_member(fields, "payload"));
        }
        bool valid = props && payload;
        for (auto k : property_keys) {
            valid = valid && detail::find_member(*props, k);
        }
        for (auto k : payload_keys) {
            valid = valid && detail::find_member(*payload, k);
        }
        if (valid && !detail::find_member(*payload, "type")) {
            std::string request_type = detail::string_member(*props, "requestType");
            valid = request_type == "batch" || request_type == "replay" || request_type == "retl" ||
                    request_type == "import";
        }
        if (!valid) {
            out.reason = Reason::invalid_event;
            out.events.clear();
            return out;
        }
        // Stored as sent: the payload was enriched by whoever built the message.
        auto fields = json::members(msg);
        EventRecord rec;
        rec.payload_json = std::string(detail::find_member(fields, "payload")->value);
        rec.type = detail::string_member(*payload, "type");
        rec.event_name = detail::string_member(*payload, "event");
        rec.message_id = detail::string_member(*payload, "messageId");
        const json::Member* user = detail::find_member(*payload, "userId");
        const json::Member* anon = detail::find_member(*payload, "anonymousId");
        rec.user_id = user ? clean_string(detail::id_text(user->value)) : std::string();
        rec.anonymous_id = anon ? clean_string(detail::id_text(anon->value)) : std::string();
        out.events.push_back(std::move(rec));
    }
    return out;
}

namespace {
using Json = nlohmann::ordered_json;

// Deepest dotted path a pixel parameter may build; deeper dots stay in the last key.
constexpr size_t k_max_pixel_path = 32;

// Sets a string at a dotted path, creating objects on the way ("a.b" -> {"a":{"b":v}}).
void set_path(Json& root, const std::string& path, const std::string& value) {
    Json* node = &root;
    size_t start = 0;
    for (size_t level = 1;; ++level) {
        size_t dot = level < k_max_pixel_path ? path.find('.', start) : std::string::npos;
        std::string part = path.substr(start, dot == std::string::npos ? dot : dot - start);
        if (dot == std::string::npos) {
            (*node)[part] = value;
            return;
        }
        Json& child = (*node)[part];
        if (!child.is_object()) {
            child = Json::object();
        }
        node = &child;
        start = dot + 1;
    }
}
} // namespace

Prepared prepare_pixel(std::string_view event_type,
                       const std::vector<std::pair<std::string, std::string>>& params,
                       const EventContext& ctx) {
    Prepared out;
    std::string now = ctx.received_at;
    Json ev = {{"channel", "web"},
               {"integrations", {{"All", true}}},
               {"originalTimestamp", now},
               {"sentAt", now}};
    for (const auto& [name, value] : params) {
        if (name == "writeKey") {
            continue;
        }
        std::string v = value;
        if (name == "anonymousId" && v.size() >= 2 && v.front() == '"' && v.back() == '"') {
            v = v.substr(1, v.size() - 2);
        }
        set_path(ev, name, v);
    }
    ev["type"] = std::string(event_type);
    auto text_of = [&](const char* field) {
        auto it = ev.find(field);
        return it != ev.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (event_type == "page" && text_of("name").empty()) {
        ev["name"] = "Unknown Page";
    }
    if (event_type == "track" && text_of("event").empty()) {
        out.reason = Reason::invalid_event; // nothing is stored; the GIF is still sent
        return out;
    }
    EventRecord rec;
    out.reason = detail::finish_event(ev.dump(-1, ' ', false, Json::error_handler_t::replace), "",
                                      ctx, false, rec);
    if (out.reason == Reason::ok) {
        out.events.push_back(std::move(rec));
    }
    return out;
}

namespace {
std::string form_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out.push_back(' ');
        } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 &&
                   hex_digit(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

void write_form_fields(JsonWriter& w, std::string_view body) {
    w.begin_object();
    size_t start = 0;
    while (start <= body.size()) {
        size_t amp = body.find('&', start);
        std::string_view pair =
            body.substr(start, amp == std::string_view::npos ? amp : amp - start);
        if (!pair.empty()) {
            size_t eq = pair.find('=');
            w.key(form_decode(pair.substr(0, eq)));
            w.value(eq == std::string_view::npos ? std::string()
                                                 : form_decode(pair.substr(eq + 1)));
        }
        if (amp == std::string_view::npos) {
            break;
        }
        start = amp + 1;
    }
    w.end_object();
}
} // namespace

Prepared prepare_webhook(std::string_view body, std::string_view content_type,
                         const std::vector<std::pair<std::string, std::string>>& params) {
    Prepared out;
    JsonWriter w;
    w.begin_object().key("body");
    if (json::validate(body, k_max_json_depth)) {
        w.raw(json::trim(body)); // JSON bodies are kept as sent
    } else if (content_type.find("application/x-www-form-urlencoded") != std::string_view::npos) {
        write_form_fields(w, body);
    } else {
        w.value(body); // anything else as text (invalid UTF-8 becomes U+FFFD)
    }
    w.key("query").begin_object();
    for (const auto& [name, value] : params) {
        if (name != "writeKey") {
            w.key(name).value(value);
        }
    }
    w.end_object();
    w.key("contentType").value(content_type);
    w.end_object();
    EventRecord rec;
    rec.type = "webhook";
    rec.payload_json = w.take();
    out.events.push_back(std::move(rec));
    return out;
}

} // namespace rm
