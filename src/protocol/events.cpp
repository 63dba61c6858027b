#include "protocol/events.hpp"

#include "protocol/clean.hpp"
#include "protocol/event_json.hpp"
#include "util/clock.hpp"
#include "util/encoding.hpp"

#include <map>

namespace rm {

namespace detail {

namespace {
// Deepest nesting of arrays and objects, stopping early past the limit.
bool depth_within_limit(std::string_view s) {
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > k_max_json_depth) {
                return false;
            }
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return true;
}

// The gateway turns ids into strings: strings as they are, other values as JSON text.
std::string id_text(const Json& obj, const char* name) {
    auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) {
        return {};
    }
    return it->is_string() ? it->get<std::string>() : dump(*it);
}

bool is_known_type(const std::string& type) {
    static const char* const known[] = {"identify", "track",  "page",   "screen",
                                        "group",    "alias",  "merge",  "audiencelist",
                                        "extract",  "record", "webhook"};
    for (const char* k : known) {
        if (type == k) {
            return true;
        }
    }
    return false;
}

bool missing_or_empty(const Json& obj, const char* name) {
    auto it = obj.find(name);
    return it == obj.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty());
}

void lint_event(const Json& ev, bool batch_item, size_t size, std::vector<std::string>& lint) {
    std::string type = string_of(ev, "type");
    auto type_it = ev.find("type");
    if (batch_item && (type_it == ev.end() || type_it->is_null())) {
        lint.emplace_back("batch item has no \"type\"");
    } else if (!is_known_type(type)) {
        lint.emplace_back("unknown type \"" + type + "\"");
    }
    if (type == "track" && missing_or_empty(ev, "event")) {
        lint.emplace_back("track without \"event\"");
    }
    if (type == "group" && missing_or_empty(ev, "groupId")) {
        lint.emplace_back("group without \"groupId\"");
    }
    if (type == "alias" && missing_or_empty(ev, "previousId")) {
        lint.emplace_back("alias without \"previousId\"");
    }
    if ((type == "page" || type == "screen") && missing_or_empty(ev, "name")) {
        lint.emplace_back(type + " without \"name\"");
    }
    for (const char* field : {"timestamp", "originalTimestamp", "sentAt", "receivedAt"}) {
        auto it = ev.find(field);
        if (it != ev.end() && !it->is_null() &&
            (!it->is_string() || !looks_like_iso8601(it->get<std::string>()))) {
            lint.emplace_back(std::string("\"") + field + "\" is not an ISO 8601 timestamp");
        }
    }
    if (size > 32 * 1024) {
        lint.emplace_back("event is larger than 32 KB (" + std::to_string(size) + " bytes)");
    }
}
} // namespace

Json parse_strict(std::string_view body) {
    if (!depth_within_limit(body)) {
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

void describe_event(const Json& ev, EventRecord& out) {
    out.type = string_of(ev, "type");
    out.event_name = string_of(ev, "event");
    if (ev.is_object()) {
        out.user_id = clean_string(id_text(ev, "userId"));
        out.anonymous_id = clean_string(id_text(ev, "anonymousId"));
    }
    out.message_id = string_of(ev, "messageId");
}

Reason finish_event(Json& ev, const EventContext& ctx, bool batch_item, EventRecord& out) {
    if (!ev.is_object()) {
        return Reason::invalid_event;
    }
    std::string type = string_of(ev, "type");
    std::string user_id = clean_string(id_text(ev, "userId"));
    std::string anonymous_id = clean_string(id_text(ev, "anonymousId"));
    if (user_id.empty() && anonymous_id.empty() && type != "extract" && type != "record") {
        return Reason::no_ids;
    }
    ev["rudderId"] = md5_uuid(user_id + ":" + anonymous_id);
    std::string message_id;
    if (auto it = ev.find("messageId"); it != ev.end() && it->is_string()) {
        message_id = clean_string(it->get<std::string>());
    }
    if (message_id.empty()) {
        message_id = random_uuid_v4();
    }
    ev["messageId"] = message_id;
    if (!ev.contains("receivedAt")) {
        ev["receivedAt"] = ctx.received_at;
    }
    if (!ev.contains("request_ip")) {
        ev["request_ip"] = ctx.request_ip;
    }
    out.payload_json = dump(ev);
    out.type = type;
    out.event_name = string_of(ev, "event");
    out.user_id = std::move(user_id);
    out.anonymous_id = std::move(anonymous_id);
    out.message_id = std::move(message_id);
    lint_event(ev, batch_item, out.payload_json.size(), out.lint);
    return Reason::ok;
}

} // namespace detail

using detail::Json;

bool is_valid_json(std::string_view body) {
    return !detail::parse_strict(body).is_discarded();
}

Prepared prepare_single(std::string_view body, std::string_view event_type,
                        const EventContext& ctx) {
    Prepared out;
    Json ev = detail::parse_strict(body);
    if (ev.is_discarded()) {
        out.reason = Reason::invalid_json;
        return out;
    }
    if (ev.is_array()) {
        out.reason = Reason::invalid_event;
        return out;
    }
    if (!ev.is_object()) {
        ev = Json::object(); // a scalar or null root becomes {"type":...}
    }
    ev["type"] = std::string(event_type);
    EventRecord rec;
    out.reason = detail::finish_event(ev, ctx, false, rec);
    if (out.reason == Reason::ok) {
        out.events.push_back(std::move(rec));
    }
    return out;
}

namespace {
// Reads the items of a batch body (gateway.md 4.2) or gives the reason it has none.
Reason batch_items(std::string_view body, std::vector<Json>& items) {
    Json root = detail::parse_strict(body);
    if (root.is_discarded()) {
        return Reason::invalid_json;
    }
    if (!root.is_object()) {
        return Reason::empty_batch;
    }
    auto it = root.find("batch");
    if (it == root.end() || it->is_null()) {
        return Reason::empty_batch;
    }
    if (it->is_array()) {
        if (it->empty()) {
            return Reason::empty_batch;
        }
        for (auto& item : *it) {
            items.push_back(std::move(item));
        }
        return Reason::ok;
    }
    if (it->is_object()) {
        if (it->empty()) {
            return Reason::empty_batch;
        }
        items.push_back(std::move(*it));
        return Reason::ok;
    }
    return Reason::invalid_event;
}
} // namespace

Prepared prepare_batch(std::string_view body, BatchKind /*kind*/, const EventContext& ctx) {
    // retl and replay differ only in what finish_event already honours: "record" events need
    // no id and an event's own receivedAt is kept.
    Prepared out;
    std::vector<Json> items;
    out.reason = batch_items(body, items);
    if (out.reason != Reason::ok) {
        return out;
    }
    for (auto& item : items) {
        EventRecord rec;
        Reason r = detail::finish_event(item, ctx, true, rec);
        if (r != Reason::ok) {
            out.reason = r;
            out.events.clear(); // all or nothing
            return out;
        }
        out.events.push_back(std::move(rec));
    }
    return out;
}

Prepared prepare_import(std::string_view body, const EventContext& ctx) {
    Prepared out;
    std::vector<Json> items;
    Reason r = batch_items(body, items);
    if (r == Reason::empty_batch) {
        return out; // an empty import answers 200
    }
    if (r != Reason::ok) {
        out.reason = r;
        return out;
    }
    // Group per user, keeping the order in which users first appear.
    std::vector<std::string> order;
    std::map<std::string, std::vector<Json>> groups;
    for (auto& item : items) {
        // Grouped by the ids as sent (not cleaned), like the gateway.
        std::string user = item.is_object() ? detail::id_text(item, "userId") + ":" +
                                                  detail::id_text(item, "anonymousId")
                                            : ":";
        std::string key = md5_hex(user);
        if (groups.find(key) == groups.end()) {
            order.push_back(key);
        }
        groups[key].push_back(std::move(item));
    }
    std::vector<Reason> failures;
    for (const auto& key : order) {
        std::vector<EventRecord> group_events;
        Reason group_reason = Reason::ok;
        for (auto& item : groups[key]) {
            EventRecord rec;
            group_reason = detail::finish_event(item, ctx, true, rec);
            if (group_reason != Reason::ok) {
                break;
            }
            group_events.push_back(std::move(rec));
        }
        if (group_reason != Reason::ok) {
            failures.push_back(group_reason);
            continue;
        }
        for (auto& e : group_events) {
            out.events.push_back(std::move(e));
        }
    }
    if (failures.size() == 1) {
        out.reason = failures.front();
    } else if (failures.size() > 1) {
        out.reason = Reason::combined;
        for (Reason f : failures) {
            out.combined_message += std::string(reason_text(f)) + "\n";
        }
    }
    return out;
}

} // namespace rm
