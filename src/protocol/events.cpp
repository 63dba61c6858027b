#include "protocol/events.hpp"

#include "protocol/clean.hpp"
#include "protocol/event_text.hpp"
#include "protocol/json_scan.hpp"
#include "util/clock.hpp"
#include "util/encoding.hpp"
#include "util/json_writer.hpp"

#include <map>

namespace rm {

namespace detail {

namespace {
bool is_known_type(std::string_view type) {
    static constexpr std::string_view known[] = {"identify", "track",  "page",   "screen",
                                                 "group",    "alias",  "merge",  "audiencelist",
                                                 "extract",  "record", "webhook"};
    for (auto k : known) {
        if (type == k) {
            return true;
        }
    }
    return false;
}

const json::Member* find(const std::vector<json::Member>& members, std::string_view name) {
    return find_member(members, name);
}

std::string string_value(const json::Member* m) {
    return m && json::kind_of(m->value) == json::Kind::string ? json::unescape(m->value)
                                                              : std::string();
}

bool missing_or_empty(const std::vector<json::Member>& members, std::string_view name) {
    const json::Member* m = find(members, name);
    return !m || m->value == "null" || m->value == "\"\"";
}

void lint_event(const std::vector<json::Member>& members, const std::string& type, bool batch_item,
                size_t size, std::vector<std::string>& lint) {
    const json::Member* type_member = find(members, "type");
    if (batch_item && (!type_member || type_member->value == "null")) {
        lint.emplace_back("batch item has no \"type\"");
    } else if (!is_known_type(type)) {
        lint.emplace_back("unknown type \"" + type + "\"");
    }
    if (type == "track" && missing_or_empty(members, "event")) {
        lint.emplace_back("track without \"event\"");
    }
    if (type == "group" && missing_or_empty(members, "groupId")) {
        lint.emplace_back("group without \"groupId\"");
    }
    if (type == "alias" && missing_or_empty(members, "previousId")) {
        lint.emplace_back("alias without \"previousId\"");
    }
    if ((type == "page" || type == "screen") && missing_or_empty(members, "name")) {
        lint.emplace_back(type + " without \"name\"");
    }
    for (const char* field : {"timestamp", "originalTimestamp", "sentAt", "receivedAt"}) {
        const json::Member* m = find(members, field);
        if (m && m->value != "null" &&
            (json::kind_of(m->value) != json::Kind::string ||
             !looks_like_iso8601(json::unescape(m->value)))) {
            lint.emplace_back(std::string("\"") + field + "\" is not an ISO 8601 timestamp");
        }
    }
    if (size > 32 * 1024) {
        lint.emplace_back("event is larger than 32 KB (" + std::to_string(size) + " bytes)");
    }
}

void append_member(std::string& out, std::string_view key, std::string_view raw_value) {
    if (out.size() > 1) {
        out.push_back(',');
    }
    out.push_back('"');
    out.append(key);
    out += "\":";
    out.append(raw_value);
}

std::string quoted(std::string_view text) {
    std::string out;
    append_json_string(out, text);
    return out;
}
} // namespace

const json::Member* find_member(const std::vector<json::Member>& members, std::string_view name) {
    for (const auto& m : members) {
        if (json::key_is(m.key, name)) {
            return &m;
        }
    }
    return nullptr;
}

std::string string_member(const std::vector<json::Member>& members, std::string_view name) {
    return string_value(find_member(members, name));
}

std::string id_text(std::string_view value) {
    switch (json::kind_of(value)) {
    case json::Kind::string:
        return json::unescape(value);
    case json::Kind::null:
        return {};
    default:
        return std::string(value);
    }
}

Reason finish_event(std::string_view event, std::string_view forced_type, const EventContext& ctx,
                    bool batch_item, EventRecord& out) {
    if (json::kind_of(event) != json::Kind::object) {
        return Reason::invalid_event;
    }
    const std::vector<json::Member> members = json::members(event);
    std::string type =
        forced_type.empty() ? string_value(find(members, "type")) : std::string(forced_type);
    const json::Member* user = find(members, "userId");
    const json::Member* anon = find(members, "anonymousId");
    std::string user_id = clean_string(user ? id_text(user->value) : std::string());
    std::string anonymous_id = clean_string(anon ? id_text(anon->value) : std::string());
    if (user_id.empty() && anonymous_id.empty() && type != "extract" && type != "record") {
        return Reason::no_ids;
    }
    std::string message_id = clean_string(string_value(find(members, "messageId")));
    if (message_id.empty()) {
        message_id = random_uuid_v4();
    }
    const std::string rudder_id = quoted(md5_uuid(user_id + ":" + anonymous_id));
    const std::string message_value = quoted(message_id);
    const std::string type_value = quoted(type);
    // Rewrite in place what is set, keep everything else as sent, append what is missing.
    std::string& text = out.payload_json;
    text.reserve(event.size() + 200);
    text.assign(1, '{');
    bool has_type = false, has_rudder = false, has_message = false;
    bool has_received = false, has_ip = false;
    for (const auto& m : members) {
        if (!forced_type.empty() && json::key_is(m.key, "type")) {
            append_member(text, m.key, type_value);
            has_type = true;
        } else if (json::key_is(m.key, "rudderId")) {
            append_member(text, m.key, rudder_id);
            has_rudder = true;
        } else if (json::key_is(m.key, "messageId")) {
            append_member(text, m.key, message_value);
            has_message = true;
        } else {
            has_received = has_received || json::key_is(m.key, "receivedAt");
            has_ip = has_ip || json::key_is(m.key, "request_ip");
            append_member(text, m.key, m.value);
        }
    }
    if (!forced_type.empty() && !has_type) {
        append_member(text, "type", type_value);
    }
    if (!has_rudder) {
        append_member(text, "rudderId", rudder_id);
    }
    if (!has_message) {
        append_member(text, "messageId", message_value);
    }
    if (!has_received) {
        append_member(text, "receivedAt", quoted(ctx.received_at));
    }
    if (!has_ip) {
        append_member(text, "request_ip", quoted(ctx.request_ip));
    }
    text.push_back('}');
    out.type = type;
    out.event_name = string_value(find(members, "event"));
    out.user_id = std::move(user_id);
    out.anonymous_id = std::move(anonymous_id);
    out.message_id = std::move(message_id);
    lint_event(members, type, batch_item, text.size(), out.lint);
    return Reason::ok;
}

} // namespace detail

bool is_valid_json(std::string_view body) {
    return json::validate(body, k_max_json_depth);
}

Prepared prepare_single(std::string_view body, std::string_view event_type,
                        const EventContext& ctx) {
    Prepared out;
    if (!is_valid_json(body)) {
        out.reason = Reason::invalid_json;
        return out;
    }
    std::string_view root = json::trim(body);
    json::Kind kind = json::kind_of(root);
    if (kind == json::Kind::array) {
        out.reason = Reason::invalid_event;
        return out;
    }
    if (kind != json::Kind::object) {
        root = "{}"; // a scalar or null root becomes {"type":...}
    }
    EventRecord rec;
    out.reason = detail::finish_event(root, event_type, ctx, false, rec);
    if (out.reason == Reason::ok) {
        out.events.push_back(std::move(rec));
    }
    return out;
}

namespace {
// Reads the items of a batch body (gateway.md 4.2) or gives the reason it has none.
Reason batch_items(std::string_view body, std::vector<std::string_view>& items) {
    if (!is_valid_json(body)) {
        return Reason::invalid_json;
    }
    std::string_view root = json::trim(body);
    if (json::kind_of(root) != json::Kind::object) {
        return Reason::empty_batch;
    }
    const std::vector<json::Member> members = json::members(root);
    const json::Member* batch = detail::find(members, "batch");
    if (!batch) {
        return Reason::empty_batch;
    }
    switch (json::kind_of(batch->value)) {
    case json::Kind::null:
        return Reason::empty_batch;
    case json::Kind::array:
        items = json::elements(batch->value);
        return items.empty() ? Reason::empty_batch : Reason::ok;
    case json::Kind::object:
        if (json::members(batch->value).empty()) {
            return Reason::empty_batch;
        }
        items.push_back(batch->value);
        return Reason::ok;
    default:
        return Reason::invalid_event;
    }
}
} // namespace

Prepared prepare_batch(std::string_view body, const EventContext& ctx) {
    Prepared out;
    std::vector<std::string_view> items;
    out.reason = batch_items(body, items);
    if (out.reason != Reason::ok) {
        return out;
    }
    out.events.reserve(items.size());
    for (auto item : items) {
        EventRecord rec;
        Reason r = detail::finish_event(item, "", ctx, true, rec);
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
    std::vector<std::string_view> items;
    Reason r = batch_items(body, items);
    if (r == Reason::empty_batch) {
        return out; // an empty import answers 200
    }
    if (r != Reason::ok) {
        out.reason = r;
        return out;
    }
    // Group per user (ids as sent, not cleaned), keeping the order users first appear in.
    std::vector<std::string> order;
    std::map<std::string, std::vector<std::string_view>> groups;
    for (auto item : items) {
        std::string user = ":";
        if (json::kind_of(item) == json::Kind::object) {
            auto members = json::members(item);
            const json::Member* u = detail::find(members, "userId");
            const json::Member* a = detail::find(members, "anonymousId");
            user =
                (u ? detail::id_text(u->value) : "") + ":" + (a ? detail::id_text(a->value) : "");
        }
        std::string key = md5_hex(user);
        if (groups.find(key) == groups.end()) {
            order.push_back(key);
        }
        groups[key].push_back(item);
    }
    std::vector<Reason> failures;
    for (const auto& key : order) {
        std::vector<EventRecord> group_events;
        Reason group_reason = Reason::ok;
        for (auto item : groups[key]) {
            EventRecord rec;
            group_reason = detail::finish_event(item, "", ctx, true, rec);
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
