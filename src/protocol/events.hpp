// Turning a decoded request body into stored events: strict JSON, shape, per-event checks,
// enrichment and lint (gateway.md sections 4.1-4.6). Pure functions: no I/O, no clock.
#pragma once

#include "model/records.hpp"
#include "protocol/reason.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rm {

// Deepest JSON nesting accepted (Go's encoding/json stops at the same depth).
inline constexpr int k_max_json_depth = 10000;

// What enrichment needs from the outside world.
struct EventContext {
    std::string received_at; // server time, already formatted
    std::string request_ip;  // first X-Forwarded-For entry or the peer address
};

// The outcome of preparing a body: either events to store or the reason to refuse.
struct Prepared {
    Reason reason = Reason::ok;
    std::vector<EventRecord> events;
    std::string combined_message; // only for Reason::combined (import)
};

// True when the text is one strict RFC 8259 JSON value within the depth limit.
bool is_valid_json(std::string_view body);

// Single-event routes: the body is one event; its "type" becomes event_type.
Prepared prepare_single(std::string_view body, std::string_view event_type,
                        const EventContext& ctx);
// /v1/batch, beacon, retl and replay: {"batch":[...]}, all or nothing. The routes differ only in
// what every event check already honours: "record" events need no id, an event's own
// receivedAt is kept.
Prepared prepare_batch(std::string_view body, const EventContext& ctx);
// /v1/import: events grouped per user; groups succeed or fail on their own. The events of
// the groups that passed are returned even when the reason is not ok.
Prepared prepare_import(std::string_view body, const EventContext& ctx);
// /internal/v1/batch: [{"properties":{...},"payload":{...}}], stored as sent.
Prepared prepare_internal_batch(std::string_view body);
// /pixel/v1/{track,page}: an event from the query parameters (writeKey excluded).
Prepared prepare_pixel(std::string_view event_type,
                       const std::vector<std::pair<std::string, std::string>>& params,
                       const EventContext& ctx);
// /v1/webhook: the body as sent (JSON value, form fields or raw text) with the query.
Prepared prepare_webhook(std::string_view body, std::string_view content_type,
                         const std::vector<std::pair<std::string, std::string>>& params);

} // namespace rm
