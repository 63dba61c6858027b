// Plain data that flows from the request pipeline into the store and back out of it.
// No behaviour here: the protocol builds these, the store persists and returns them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rm {

// One accepted event, ready to store. payload_json is the final, enriched event.
struct EventRecord {
    std::string payload_json;
    std::string type;
    std::string event_name;
    std::string user_id;
    std::string anonymous_id;
    std::string message_id;
    std::vector<std::string> lint; // warnings; never change the answer
};

// One request to a gateway route, accepted or not, as written to the journal.
struct RequestRecord {
    int64_t received_ms = 0;
    std::string method;
    std::string path;
    std::string query;         // raw query string, without '?'
    std::string headers_json;  // JSON object: name -> value (or array when repeated)
    std::string body;          // decoded body bytes (what the pipeline parsed)
    std::string body_encoding; // inside the store only: "gzip" when body is kept compressed
    int status = 0;
    std::string reason;        // the rudder-profile wording, "" for success
    std::string response_body; // what was sent
    std::string write_key;
    std::string peer;
    int64_t duration_us = 0;
    int event_count = 0; // events stored for this request
    // The fault rule that fired for this request ("" when none) and what it did, as JSON
    // {"rule","status","delay_ms","connection"}. Connection faults are journaled as status 0.
    std::string fault_rule;
    std::string fault_json;
    // Requests carrying the same messageIds under one write key are attempts of one delivery:
    // delivery_key hashes the write key and the sorted set of messageIds (0: none carried).
    int64_t delivery_key = 0;
    int message_count = 0;        // messageIds carried (parsed even when nothing is stored)
    std::string message_ids_json; // the first few of them, a JSON array
};

// A stored event as read back (ids assigned by the store).
struct StoredEvent {
    int64_t id = 0;
    int64_t request_id = 0;
    std::string received_at;
    std::string write_key;
    std::string type;
    std::string event_name;
    std::string user_id;
    std::string anonymous_id;
    std::string message_id;
    std::string lint_json; // JSON array of strings
    std::optional<int64_t> duplicate_of;
    std::string payload_json;
};

// A stored request as read back.
struct StoredRequest {
    int64_t id = 0;
    RequestRecord record;
    std::string received_at;
    // Tee mode: what the upstream answered (the last attempt while retrying); -1 dropped
    // because the forward queue was full, 0 no connection; nullopt = not forwarded (yet).
    std::optional<int> forward_status;
    // The id of the first attempt of this request's delivery (its own id when it is the first;
    // 0 when it carries no messageIds). Chosen by the store.
    int64_t delivery_first = 0;
};

// Filters for event queries. Empty strings mean "any".
struct EventFilter {
    std::string type;
    std::string event_name;
    std::string user_id;
    std::string anonymous_id;
    std::string message_id;
    std::string write_key;
    std::string text;       // substring of the stored event JSON
    std::string expression; // the filter language (query/filter.hpp), "" = none
    int64_t since = 0;      // only ids greater than this
    int limit = 100;
    bool descending = false;
};

// Filters for request (journal) queries.
struct RequestFilter {
    int status = 0;       // exact code, 0 = any
    int status_class = 0; // 4 for "4xx", 0 = any
    std::string path;
    std::string write_key;
    std::string fault; // "" = any request, "any" = a fault fired, else that rule's id
    int64_t since = 0;
    int limit = 100;
    bool descending = false;
};

// One attempt of a delivery (a request carrying a delivery's messageIds).
struct DeliveryAttempt {
    int64_t request_id = 0;
    int64_t received_ms = 0;
    std::string received_at;
    int status = 0;
    std::string fault_json;   // "" when no fault fired
    std::string headers_json; // the request's headers (retry headers are read from them)
};

enum class DeliveryOutcome { delivered, duplicated, failed };

// Requests with the same delivery_key (and the same first attempt, StoredRequest): what the
// SDK did with one set of events.
struct Delivery {
    int64_t delivery_key = 0;
    std::string write_key;
    int message_count = 0;
    std::string message_ids_json; // the first few
    std::vector<DeliveryAttempt> attempts;
    DeliveryOutcome outcome = DeliveryOutcome::failed;
};

struct DeliveryFilter {
    std::string write_key;
    std::optional<DeliveryOutcome> outcome;
    int limit = 100;
};

struct DeliverySummary {
    int64_t deliveries = 0;
    int64_t delivered = 0;
    int64_t duplicated = 0;
    int64_t failed = 0;
};

} // namespace rm
