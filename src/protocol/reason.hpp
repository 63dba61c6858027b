// Why a request was refused, and how each response profile words it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rm {

enum class Reason {
    ok,
    no_write_key_header,    // 401 failed to read writekey from header
    no_write_key_query,     // 401 failed to read writekey from query params
    invalid_write_key,      // 401
    source_disabled,        // 404
    invalid_json,           // 400
    invalid_event,          // 400 event is not a valid rudder event
    no_ids,                 // 400 request neither has anonymousId nor userId
    empty_batch,            // 400
    too_large,              // 413
    rate_limited,           // 429
    read_body_failed,       // 500
    no_source_id,           // 401
    invalid_source_id,      // 401
    invalid_replay_source,  // 401
    no_destination_id,      // 400
    invalid_destination_id, // 400
    destination_disabled,   // 404
    gateway_timeout,        // 504
    not_found,              // 404 from the router
    method_not_allowed,     // 405 from the router
    headers_too_large,      // 431
    too_many_in_flight,     // 503 Service Unavailable
    combined,               // 500: import groups that failed in different ways
};

// The three wordings the mock can answer with (see gateway.md section 3).
enum class Profile { rudder, rudder_legacy, openapi };

std::optional<Profile> parse_profile(std::string_view name);
std::string_view profile_name(Profile profile);

// The HTTP status that goes with a reason.
int reason_status(Reason reason);
// The current gateway's wording, kept in the journal whatever the profile ("" for ok).
std::string_view reason_text(Reason reason);
// The response body for this reason under a profile. Errors end with "\n" like Go's
// http.Error; success is "ok" or "OK" without a newline; router 405 is empty; the server's 431
// is "431 Request Header Fields Too Large" without a newline.
std::string response_body(Reason reason, Profile profile);
// The body of an error answer with this status when nothing more specific is known (fault
// injection): the profile's text where the gateway has one for the status (401 invalid write
// key, 404 source is disabled, 413, 429, 400 invalid json, 503, 504), else Go's status text;
// with the trailing newline of http.Error.
std::string status_error_body(int status, Profile profile);
// Go's http.StatusText ("" for codes it does not know).
std::string_view http_status_text(int status);

} // namespace rm
