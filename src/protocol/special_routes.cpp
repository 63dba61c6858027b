// Bodies of the routes that are not plain event routes: internal batch, pixel and webhook.
#include "protocol/clean.hpp"
#include "protocol/event_text.hpp"
#include "protocol/events.hpp"
#include "protocol/json_scan.hpp"

#include <nlohmann/json.hpp>

namespace rm {

namespace {
using Json = nlohmann::ordered_json;

Json parse_strict(std::string_view body) {
    if (!json::validate(body, k_max_json_depth)) {
        return Json(Json::value_t::discarded);
    }
    return Json::parse(body.begin(), body.end(), nullptr, false);
}

std::string dump(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string string_of(const Json& obj, const char* name) {
    if (!obj.is_object()) {
        return {};
    }
    auto it = obj.find(name);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Columns of an event stored as sent (no enrichment).
void describe_event(const Json& ev, EventRecord& out) {
    out.type = string_of(ev, "type");
    out.event_name = string_of(ev, "event");
    out.message_id = string_of(ev, "messageId");
    for (auto [name, column] :
         {std::pair{"userId", &out.user_id}, std::pair{"anonymousId", &out.anonymous_id}}) {
        auto it = ev.find(name);
        if (it != ev.end() && !it->is_null()) {
            *column = clean_string(it->is_string() ? it->get<std::string>() : dump(*it));
        }
    }
}
} // namespace

Prepared prepare_internal_batch(std::string_view body) {
    Prepared out;
    Json root = parse_strict(body);
    if (root.is_discarded()) {
        out.reason = Reason::invalid_json;
        return out;
    }
    if (!root.is_array() || root.empty()) {
        out.reason = Reason::invalid_event;
        return out;
    }
    static const char* const property_keys[] = {"requestType", "routingKey", "workspaceID",
                                                "sourceID",    "receivedAt", "requestIP"};
    static const char* const payload_keys[] = {"messageId", "receivedAt", "request_ip", "rudderId"};
    for (const auto& msg : root) {
        auto props = msg.is_object() ? msg.find("properties") : Json::const_iterator();
        auto payload = msg.is_object() ? msg.find("payload") : Json::const_iterator();
        bool valid = msg.is_object() && props != msg.end() && props->is_object() &&
                     payload != msg.end() && payload->is_object();
        for (const char* k : property_keys) {
            valid = valid && props->contains(k);
        }
        for (const char* k : payload_keys) {
            valid = valid && payload->contains(k);
        }
        if (valid && !payload->contains("type")) {
            std::string request_type = string_of(*props, "requestType");
            valid = request_type == "batch" || request_type == "replay" || request_type == "retl" ||
                    request_type == "import";
        }
        if (!valid) {
            out.reason = Reason::invalid_event;
            out.events.clear();
            return out;
        }
        EventRecord rec;
        describe_event(*payload, rec);
        rec.payload_json = dump(*payload);
        out.events.push_back(std::move(rec));
    }
    return out;
}

namespace {
// Sets a string at a dotted path, creating objects on the way ("a.b" -> {"a":{"b":v}}).
void set_path(Json& root, const std::string& path, const std::string& value) {
    Json* node = &root;
    size_t start = 0;
    for (;;) {
        size_t dot = path.find('.', start);
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
    if (event_type == "page" && string_of(ev, "name").empty()) {
        ev["name"] = "Unknown Page";
    }
    if (event_type == "track" && string_of(ev, "event").empty()) {
        out.reason = Reason::invalid_event; // nothing is stored; the GIF is still sent
        return out;
    }
    EventRecord rec;
    out.reason = detail::finish_event(dump(ev), "", ctx, false, rec);
    if (out.reason == Reason::ok) {
        out.events.push_back(std::move(rec));
    }
    return out;
}

namespace {
int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::string form_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out.push_back(' ');
        } else if (s[i] == '%' && i + 2 < s.size() + 0 && hex_value(s[i + 1]) >= 0 &&
                   hex_value(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

Json form_fields(std::string_view body) {
    Json out = Json::object();
    size_t start = 0;
    while (start <= body.size()) {
        size_t amp = body.find('&', start);
        std::string_view pair =
            body.substr(start, amp == std::string_view::npos ? amp : amp - start);
        if (!pair.empty()) {
            size_t eq = pair.find('=');
            std::string key = form_decode(pair.substr(0, eq));
            std::string value =
                eq == std::string_view::npos ? "" : form_decode(pair.substr(eq + 1));
            out[key] = value;
        }
        if (amp == std::string_view::npos) {
            break;
        }
        start = amp + 1;
    }
    return out;
}
} // namespace

Prepared prepare_webhook(std::string_view body, std::string_view content_type,
                         const std::vector<std::pair<std::string, std::string>>& params) {
    Prepared out;
    Json payload = Json::object();
    Json parsed = parse_strict(body);
    if (!parsed.is_discarded()) {
        payload["body"] = std::move(parsed);
    } else if (content_type.find("application/x-www-form-urlencoded") != std::string_view::npos) {
        payload["body"] = form_fields(body);
    } else {
        payload["body"] = Json(std::string(body));
    }
    Json query = Json::object();
    for (const auto& [name, value] : params) {
        if (name != "writeKey") {
            query[name] = value;
        }
    }
    payload["query"] = std::move(query);
    payload["contentType"] = std::string(content_type);
    EventRecord rec;
    rec.type = "webhook";
    rec.payload_json = dump(payload);
    out.events.push_back(std::move(rec));
    return out;
}

} // namespace rm
