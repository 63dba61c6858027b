#include "view/plain_reason.hpp"

#include "protocol/reason.hpp"

#include <nlohmann/json.hpp>

#include <string_view>
#include <vector>

namespace rm {

namespace {
struct Explained {
    const char* reason; // the journal's wording (protocol/reason.cpp, rudder profile)
    const char* plain;
};

// Every reason text the gateway journals, explained.
constexpr Explained k_reasons[] = {
    {"failed to read writekey from header",
     "No Basic auth header: the SDK sends writeKey as the username with an empty password "
     "(Authorization: Basic base64(\"writeKey:\")); the header is missing, another scheme, or "
     "has no \"key:\" inside."},
    {"failed to read writekey from query params",
     "No writeKey in the query string: beacon and pixel routes take ?writeKey=..., webhooks "
     "?writeKey=... or Basic auth."},
    {"invalid write key",
     "The write key is not one of the configured sources (check the SDK's writeKey or "
     "--sources; webhook routes also need a source of category \"webhook\")."},
    {"source is disabled",
     "The write key's source is disabled (\"enabled\": false in the --sources file)."},
    {"invalid json", "The body is not valid JSON: truncated, form-encoded, or gzip sent without "
                     "Content-Encoding: gzip?"},
    {"event is not a valid rudder event",
     "The JSON is not an event: the body (or each batch item) must be a JSON object, not an "
     "array or a scalar."},
    {"request neither has anonymousId nor userId",
     "The event has neither anonymousId nor userId: every event needs one (SDKs set "
     "anonymousId unless it was cleared)."},
    {"empty batch payload",
     "The batch is empty: the body needs \"batch\": [ ... ] with at least one event."},
    {"request size exceeds max limit",
     "The body is over the size limit (--max-request-kb, default 4000 KB, measured after gzip "
     "decoding): send smaller batches or raise the flag."},
    {"max requests limit reached",
     "Rate limit reached (--rate-limit E/S, per workspace or per write key with "
     "--rate-limit-by): the SDK should back off and retry."},
    {"failed to read body from request",
     "The body could not be read: the client closed the connection early, or the gzip body is "
     "corrupt."},
    {"failed to read source id from header",
     "No X-Rudder-Source-Id header: /internal/v1/* routes are authenticated by source id, not "
     "by write key."},
    {"invalid source id",
     "X-Rudder-Source-Id is not the id of any configured source (see --sources)."},
    {"invalid replay source",
     "The source of X-Rudder-Source-Id is not a replay source (it needs an \"originalId\" in "
     "--sources)."},
    {"failed to read destination id from header",
     "No X-Rudder-Destination-Id header on /internal/v1/retl (required by "
     "--retl-require-destination-id)."},
    {"invalid destination id",
     "X-Rudder-Destination-Id is not one of this source's destinations in --sources."},
    {"destination is disabled",
     "That destination is disabled (\"enabled\": false in the --sources file)."},
    {"gateway timeout", "The gateway gave up waiting to store the request; the SDK should retry."},
    {"404 page not found",
     "No such route: check the data plane URL and path. Routes: /v1/{identify, track, page, "
     "screen, group, alias, merge, audiencelist, batch, import, webhook}, /beacon/v1/batch, "
     "/pixel/v1/{track, page}, /internal/v1/{extract, retl, replay, audiencelist, batch}, "
     "/health, /version."},
    {"method not allowed",
     "Known route, wrong method: event routes take POST, pixel routes GET, webhooks GET or "
     "POST (the Allow header lists them)."},
    {"Service Unavailable",
     "Too many requests in flight at once (--max-in-flight): the SDK should retry later."},
    {"431 Request Header Fields Too Large",
     "The request headers are too large (over 512 KiB in all)."},
};

const char* known(std::string_view reason) {
    for (const auto& e : k_reasons) {
        if (reason == e.reason) {
            return e.plain;
        }
    }
    return nullptr;
}

struct FaultInfo {
    std::string rule;
    int status = 0;
    int64_t delay_ms = 0;
    std::string connection;
};

FaultInfo parse_fault(const std::string& fault_json) {
    FaultInfo f;
    auto j = nlohmann::json::parse(fault_json, nullptr, false);
    if (!j.is_object()) {
        return f;
    }
    if (auto it = j.find("rule"); it != j.end() && it->is_string()) {
        f.rule = it->get<std::string>();
    }
    if (auto it = j.find("status"); it != j.end() && it->is_number_integer()) {
        f.status = it->get<int>();
    }
    if (auto it = j.find("delay_ms"); it != j.end() && it->is_number_integer()) {
        f.delay_ms = it->get<int64_t>();
    }
    if (auto it = j.find("connection"); it != j.end() && it->is_string()) {
        f.connection = it->get<std::string>();
    }
    return f;
}

std::string connection_words(std::string_view what) {
    if (what == "reset") {
        return "the connection was reset (TCP RST) with no answer; the SDK sees a network error "
               "and should retry.";
    }
    if (what == "close") {
        return "the connection was closed (FIN) with no answer; the SDK sees an empty reply and "
               "should retry.";
    }
    if (what == "hang") {
        return "no answer was sent until the client gave up (at most 60 s); the SDK should time "
               "out and retry.";
    }
    if (what == "truncate") {
        return "the status line, headers and half the body were sent, then the connection "
               "closed; the SDK sees a broken answer and should retry.";
    }
    return "no answer was sent (" + std::string(what) + ").";
}

// What an SDK is expected to do with an error status.
const char* retry_words(int status) {
    if (status == 429 || status >= 500) {
        return " SDKs retry this status.";
    }
    if (status >= 400) {
        return " SDKs usually drop the batch for this status (no retry).";
    }
    return "";
}

std::string injected(const std::string& rule, std::string_view detail, int status) {
    std::string out = "Injected by fault rule " + rule + " (see the Faults tab): ";
    constexpr std::string_view conn = "connection ";
    if (status == 0 && detail.substr(0, conn.size()) == conn) {
        std::string_view what = detail.substr(conn.size());
        std::string extra;
        if (auto paren = what.find(" ("); paren != std::string_view::npos) {
            extra = std::string(what.substr(paren)); // "(sent 1 of 3 body bytes)"
            what = what.substr(0, paren);
        }
        out += connection_words(what);
        if (!extra.empty()) {
            out.pop_back(); // the full stop goes after the details
            out += extra + ".";
        }
        return out;
    }
    out += "answered " + std::to_string(status);
    std::string_view text = http_status_text(status);
    if (!text.empty()) {
        out += ' ';
        out += text;
    }
    if (!detail.empty()) {
        out += " with \"" + std::string(detail) + "\"";
    }
    out += ".";
    out += retry_words(status);
    return out;
}
} // namespace

std::string plain_reason(int status, const std::string& reason, const std::string& fault_json) {
    const FaultInfo fault = fault_json.empty() ? FaultInfo{} : parse_fault(fault_json);
    // "fault 'ID': <body or connection ...>", as the gateway words an injected answer.
    constexpr std::string_view prefix = "fault '";
    if (reason.rfind(prefix, 0) == 0) {
        const size_t end = reason.find("': ", prefix.size());
        if (end != std::string::npos) {
            return injected(reason.substr(prefix.size(), end - prefix.size()),
                            std::string_view(reason).substr(end + 3), status);
        }
    }
    if (status == 0) {
        if (!fault.connection.empty()) {
            return injected(fault.rule.empty() ? "?" : fault.rule, "connection " + fault.connection,
                            0);
        }
        return "No answer was sent (a connection fault).";
    }
    if (reason.empty()) {
        if (status >= 200 && status < 300) {
            std::string out = "Accepted.";
            if (!fault.rule.empty() && fault.delay_ms > 0) {
                out += " Delayed " + std::to_string(fault.delay_ms) + " ms by fault rule " +
                       fault.rule + " (see the Faults tab).";
            }
            return out;
        }
        std::string_view text = http_status_text(status);
        return std::to_string(status) + (text.empty() ? "" : " " + std::string(text)) + "." +
               retry_words(status);
    }
    if (const char* plain = known(reason)) {
        std::string out = plain;
        if (!fault.rule.empty() && fault.delay_ms > 0) {
            out += " (Delayed " + std::to_string(fault.delay_ms) + " ms by fault rule " +
                   fault.rule + ".)";
        }
        return out;
    }
    // Import: several groups failed in different ways, one reason per line.
    if (reason.find('\n') != std::string::npos) {
        std::string out = "Several groups of the import failed:";
        size_t start = 0;
        while (start < reason.size()) {
            size_t nl = reason.find('\n', start);
            std::string line = reason.substr(start, nl == std::string::npos ? nl : nl - start);
            start = nl == std::string::npos ? reason.size() : nl + 1;
            if (line.empty()) {
                continue;
            }
            const char* plain = known(line);
            out += ' ';
            out += plain ? std::string_view(plain) : std::string_view(line);
        }
        return out;
    }
    std::string_view text = http_status_text(status);
    return (text.empty() ? std::to_string(status) : std::string(text)) + ": " + reason + ".";
}

} // namespace rm
