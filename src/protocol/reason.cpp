#include "protocol/reason.hpp"

namespace rm {

namespace {
struct Wording {
    int status;
    const char* rudder;
    const char* legacy;
    const char* openapi; // nullptr = same as rudder
};

Wording wording(Reason r) {
    switch (r) {
    case Reason::ok:
        return {200, "ok", "OK", "OK"};
    case Reason::no_write_key_header:
        return {401, "failed to read writekey from header", "Failed to read writeKey from header",
                "Invalid Authorization Header"};
    case Reason::no_write_key_query:
        return {401, "failed to read writekey from query params",
                "Failed to read writeKey from Query Params", "Invalid Authorization Header"};
    case Reason::invalid_write_key:
        return {401, "invalid write key", "Invalid Write Key", "Invalid Authorization Header"};
    case Reason::source_disabled:
        return {404, "source is disabled", "Source is disabled",
                "Source does not accept webhook events"};
    case Reason::invalid_json:
        return {400, "invalid json", "Invalid JSON", "Invalid request"};
    case Reason::invalid_event:
        return {400, "event is not a valid rudder event", "Event is not a valid rudder event",
                "Invalid request"};
    case Reason::no_ids:
        return {400, "request neither has anonymousId nor userId",
                "Request neither has anonymousId nor userId", "Invalid request"};
    case Reason::empty_batch:
        return {400, "empty batch payload", "Empty batch payload", "Invalid request"};
    case Reason::too_large:
        return {413, "request size exceeds max limit", "Request size exceeds max limit",
                "Request size too large"};
    case Reason::rate_limited:
        return {429, "max requests limit reached", "Max Requests Limit reached",
                "Too many requests"};
    case Reason::read_body_failed:
        return {500, "failed to read body from request", "Failed to read body from request",
                nullptr};
    case Reason::no_source_id:
        return {401, "failed to read source id from header", "Failed to read source id from header",
                "Invalid Authorization Header"};
    case Reason::invalid_source_id:
        return {401, "invalid source id", "Invalid source id", "Invalid Authorization Header"};
    case Reason::invalid_replay_source:
        return {401, "invalid replay source", "Invalid replay source",
                "Invalid Authorization Header"};
    case Reason::no_destination_id:
        return {400, "failed to read destination id from header",
                "Failed to read destination id from header", "Invalid request"};
    case Reason::invalid_destination_id:
        return {400, "invalid destination id", "Invalid destination id", "Invalid request"};
    case Reason::destination_disabled:
        return {404, "destination is disabled", "Destination is disabled",
                "Source does not accept webhook events"};
    case Reason::gateway_timeout:
        return {504, "gateway timeout", "Gateway timeout", nullptr};
    case Reason::not_found:
        return {404, "404 page not found", "404 page not found", nullptr};
    case Reason::method_not_allowed:
        return {405, "method not allowed", "method not allowed", nullptr};
    case Reason::too_many_in_flight:
        return {503, "Service Unavailable", "Service Unavailable", nullptr};
    case Reason::headers_too_large:
        return {431, "431 Request Header Fields Too Large", "431 Request Header Fields Too Large",
                nullptr};
    case Reason::combined:
        return {500, "", "", nullptr};
    }
    return {500, "", "", nullptr};
}
} // namespace

std::optional<Profile> parse_profile(std::string_view name) {
    if (name == "rudder") {
        return Profile::rudder;
    }
    if (name == "rudder-legacy") {
        return Profile::rudder_legacy;
    }
    if (name == "openapi") {
        return Profile::openapi;
    }
    return std::nullopt;
}

std::string_view profile_name(Profile profile) {
    switch (profile) {
    case Profile::rudder:
        return "rudder";
    case Profile::rudder_legacy:
        return "rudder-legacy";
    case Profile::openapi:
        return "openapi";
    }
    return "rudder";
}

int reason_status(Reason reason) {
    return wording(reason).status;
}

std::string_view reason_text(Reason reason) {
    return reason == Reason::ok ? std::string_view() : wording(reason).rudder;
}

std::string response_body(Reason reason, Profile profile) {
    Wording w = wording(reason);
    if (reason == Reason::method_not_allowed) {
        return "";
    }
    const char* text = w.rudder;
    if (profile == Profile::rudder_legacy) {
        text = w.legacy;
    } else if (profile == Profile::openapi && w.openapi) {
        text = w.openapi;
    }
    if (reason == Reason::ok || reason == Reason::headers_too_large) {
        return text; // success, and Go's server-level 431, carry no newline
    }
    return std::string(text) + "\n";
}

std::string status_error_body(int status, Profile profile) {
    switch (status) {
    case 400:
        return response_body(Reason::invalid_json, profile);
    case 401:
        return response_body(Reason::invalid_write_key, profile);
    case 404:
        return response_body(Reason::source_disabled, profile);
    case 413:
        return response_body(Reason::too_large, profile);
    case 429:
        return response_body(Reason::rate_limited, profile);
    case 503:
        return response_body(Reason::too_many_in_flight, profile);
    case 504:
        return response_body(Reason::gateway_timeout, profile);
    default:
        return std::string(http_status_text(status)) + "\n";
    }
}

std::string_view http_status_text(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 402:
        return "Payment Required";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 407:
        return "Proxy Authentication Required";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Request Entity Too Large";
    case 414:
        return "Request URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 416:
        return "Requested Range Not Satisfiable";
    case 417:
        return "Expectation Failed";
    case 418:
        return "I'm a teapot";
    case 421:
        return "Misdirected Request";
    case 422:
        return "Unprocessable Entity";
    case 423:
        return "Locked";
    case 424:
        return "Failed Dependency";
    case 425:
        return "Too Early";
    case 426:
        return "Upgrade Required";
    case 428:
        return "Precondition Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 451:
        return "Unavailable For Legal Reasons";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    case 506:
        return "Variant Also Negotiates";
    case 507:
        return "Insufficient Storage";
    case 508:
        return "Loop Detected";
    case 510:
        return "Not Extended";
    case 511:
        return "Network Authentication Required";
    default:
        return "";
    }
}

} // namespace rm
