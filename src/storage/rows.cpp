#include "storage/rows.hpp"

#include "util/gzip.hpp"

#include <cstdint>
#include <initializer_list>

namespace rm::sql {

namespace {
std::string column_list(std::string_view alias, std::initializer_list<const char*> names) {
    std::string out;
    for (const char* name : names) {
        if (!out.empty()) {
            out += ", ";
        }
        out += alias;
        out += name;
    }
    return out;
}
} // namespace

std::string event_columns(std::string_view alias) {
    return column_list(alias,
                       {"id", "request_id", "received_at", "write_key", "type", "event", "user_id",
                        "anonymous_id", "message_id", "lint", "duplicate_of", "payload"});
}

StoredEvent read_event(const Statement& s) {
    StoredEvent e;
    e.id = s.column_int(0);
    e.request_id = s.column_int(1);
    e.received_at = s.column_text(2);
    e.write_key = s.column_text(3);
    e.type = s.column_text(4);
    e.event_name = s.column_text(5);
    e.user_id = s.column_text(6);
    e.anonymous_id = s.column_text(7);
    e.message_id = s.column_text(8);
    e.lint_json = s.column_text(9);
    if (!s.column_is_null(10)) {
        e.duplicate_of = s.column_int(10);
    }
    e.payload_json = s.column_text(11);
    return e;
}

std::string request_columns(std::string_view alias) {
    return column_list(alias, {"id",          "received_ms",    "received_at",   "method",
                               "path",        "query",          "headers",       "body",
                               "status",      "reason",         "response_body", "write_key",
                               "peer",        "duration_us",    "event_count",   "body_encoding",
                               "fault_rule",  "fault",          "delivery_key",  "message_count",
                               "message_ids", "forward_status", "delivery_first"});
}

StoredRequest read_request(const Statement& s) {
    StoredRequest r;
    r.id = s.column_int(0);
    r.record.received_ms = s.column_int(1);
    r.received_at = s.column_text(2);
    r.record.method = s.column_text(3);
    r.record.path = s.column_text(4);
    r.record.query = s.column_text(5);
    r.record.headers_json = s.column_text(6);
    r.record.body = s.column_text(7);
    r.record.status = static_cast<int>(s.column_int(8));
    r.record.reason = s.column_text(9);
    r.record.response_body = s.column_text(10);
    r.record.write_key = s.column_text(11);
    r.record.peer = s.column_text(12);
    r.record.duration_us = s.column_int(13);
    r.record.event_count = static_cast<int>(s.column_int(14));
    r.record.fault_rule = s.column_text(16);
    r.record.fault_json = s.column_text(17);
    r.record.delivery_key = s.column_int(18);
    r.record.message_count = static_cast<int>(s.column_int(19));
    r.record.message_ids_json = s.column_text(20);
    if (!s.column_is_null(21)) { // schema 6, tee mode
        r.forward_status = static_cast<int>(s.column_int(21));
    }
    r.delivery_first = s.column_is_null(22) ? 0 : s.column_int(22);
    if (s.column_text(15) == "gzip") {
        // Stored compressed by Store::record(); callers always see the plain body.
        r.record.body = gunzip_bounded(r.record.body, SIZE_MAX).bytes;
    }
    return r;
}

} // namespace rm::sql
