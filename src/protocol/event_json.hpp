// Private to the protocol module: helpers on nlohmann::ordered_json shared by events.cpp and
// special_routes.cpp. Keep this include out of every other module (it is slow to compile).
#pragma once

#include "model/records.hpp"
#include "protocol/events.hpp"

#include <nlohmann/json.hpp>

namespace rm::detail {

using Json = nlohmann::ordered_json;

// Parses strict JSON within k_max_json_depth; returns a discarded value on failure.
Json parse_strict(std::string_view body);
// Serialises without throwing (invalid UTF-8 cannot occur in parsed input, but be safe).
std::string dump(const Json& value);
// Reads a field as a string when it is one, else "".
std::string string_of(const Json& obj, const char* name);
// Per-event check and enrichment (gateway.md 4.3) plus lint (4.5). On success fills out.
Reason finish_event(Json& event, const EventContext& ctx, bool batch_item, EventRecord& out);
// Fills the record's columns from an event stored as sent (no enrichment).
void describe_event(const Json& event, EventRecord& out);

} // namespace rm::detail
