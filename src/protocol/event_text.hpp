// Private to the protocol module: the per-event check, enrichment and lint, done on the event's
// JSON text (validated first) so the client's bytes are kept and only enriched fields change.
#pragma once

#include "model/records.hpp"
#include "protocol/events.hpp"
#include "protocol/json_scan.hpp"

#include <string_view>

namespace rm::detail {

// The first member with this key, or nullptr.
const json::Member* find_member(const std::vector<json::Member>& members, std::string_view name);
// A member's value when it is a string (unescaped), else "".
std::string string_member(const std::vector<json::Member>& members, std::string_view name);

// The gateway's id text: strings unescaped, null or missing "", other values as JSON text.
std::string id_text(std::string_view value);

// Checks one event (any JSON value; only objects pass) and fills out with the enriched event
// (gateway.md 4.3) and its lint (4.5). forced_type, when not empty, replaces "type".
Reason finish_event(std::string_view event, std::string_view forced_type, const EventContext& ctx,
                    bool batch_item, EventRecord& out);

} // namespace rm::detail
