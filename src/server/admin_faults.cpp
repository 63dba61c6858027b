// The admin API's fault routes (/_mock/faults) and the deliveries view (/_mock/deliveries).
#include "server/admin.hpp"

#include "util/json_writer.hpp"

#include <charconv>
#include <httplib.h>
#include <nlohmann/json.hpp>

namespace rm {

namespace {
using admin::send_error;
using admin::send_json;

// {"active", "plan", "rules": [{"id", "matched", "fired"}]}: the plan stays a valid PUT body.
std::string faults_body(const FaultEngine& faults) {
    auto snap = faults.snapshot();
    JsonWriter w;
    w.begin_object().key("active").value(snap.has_value()).key("plan");
    if (!snap) {
        w.null().key("rules").begin_array().end_array().end_object();
        return w.take();
    }
    w.raw(fault_plan_json(snap->plan)).key("rules").begin_array();
    for (size_t i = 0; i < snap->plan.rules.size(); ++i) {
        w.begin_object()
            .key("id")
            .value(snap->plan.rules[i].id)
            .key("matched")
            .value(snap->counts[i].matched)
            .key("fired")
            .value(snap->counts[i].fired)
            .end_object();
    }
    w.end_array().end_object();
    return w.take();
}

const char* outcome_name(DeliveryOutcome o) {
    switch (o) {
    case DeliveryOutcome::delivered:
        return "delivered";
    case DeliveryOutcome::duplicated:
        return "duplicated";
    case DeliveryOutcome::failed:
        return "failed";
    }
    return "failed";
}

bool same_name(const std::string& a, const char* b) {
    size_t n = std::char_traits<char>::length(b);
    if (a.size() != n) {
        return false;
    }
    for (size_t i = 0; i < n; ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

// The retry headers the SDKs send (Segment's X-Retry-Count, the browser SDK's Rsa-*).
void write_retry_headers(JsonWriter& w, const std::string& headers_json) {
    static const char* const k_names[] = {"X-Retry-Count",          "Rsa-Retry-Attempt",
                                          "Rsa-Since-Last-Attempt", "Rsa-Since-First-Attempt",
                                          "Rsa-Retry-Reason",       "Rsa-Recovered"};
    w.begin_object();
    auto headers = nlohmann::json::parse(headers_json, nullptr, false);
    if (headers.is_object()) {
        for (const char* name : k_names) {
            for (const auto& [key, value] : headers.items()) {
                if (same_name(key, name)) {
                    w.key(name).value(value.is_string() ? value.get<std::string>() : value.dump());
                }
            }
        }
    }
    w.end_object();
}

void write_delivery(JsonWriter& w, const Delivery& d) {
    w.begin_object();
    w.key("write_key").value(d.write_key);
    w.key("outcome").value(outcome_name(d.outcome));
    w.key("message_count").value(d.message_count);
    w.key("message_ids").raw(d.message_ids_json);
    w.key("attempts").begin_array();
    int64_t previous_ms = -1;
    for (const auto& a : d.attempts) {
        w.begin_object();
        w.key("request_id").value(a.request_id);
        w.key("received_at").value(a.received_at);
        w.key("status").value(a.status);
        w.key("fault");
        if (a.fault_json.empty()) {
            w.null();
        } else {
            w.raw(a.fault_json);
        }
        w.key("since_previous_ms");
        if (previous_ms < 0) {
            w.null();
        } else {
            w.value(a.received_ms - previous_ms);
        }
        previous_ms = a.received_ms;
        w.key("retry_headers");
        write_retry_headers(w, a.headers_json);
        w.end_object();
    }
    w.end_array().end_object();
}
} // namespace

void AdminApi::get_faults(httplib::Response& res) {
    send_json(res, 200, faults_body(m_faults));
}

void AdminApi::put_faults(const std::string& body, httplib::Response& res) {
    auto plan = parse_fault_plan(body);
    if (!plan) {
        send_error(res, 400, plan.error().message); // the old plan stays
        return;
    }
    m_faults.set(std::move(*plan));
    send_json(res, 200, faults_body(m_faults));
}

void AdminApi::delete_faults(httplib::Response& res) {
    m_faults.clear();
    send_json(res, 200, faults_body(m_faults));
}

void AdminApi::list_deliveries(const httplib::Request& req, httplib::Response& res) {
    DeliveryFilter f;
    f.write_key = req.get_param_value("writeKey");
    const std::string outcome = req.get_param_value("outcome");
    if (outcome == "delivered") {
        f.outcome = DeliveryOutcome::delivered;
    } else if (outcome == "duplicated") {
        f.outcome = DeliveryOutcome::duplicated;
    } else if (outcome == "failed") {
        f.outcome = DeliveryOutcome::failed;
    } else if (!outcome.empty()) {
        send_error(res, 400, "parameter outcome must be delivered, duplicated or failed");
        return;
    }
    if (req.has_param("limit")) {
        const std::string text = req.get_param_value("limit");
        int value = 0;
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || ptr != text.data() + text.size() || value < 1 || value > 10000) {
            send_error(res, 400, "parameter limit must be an integer from 1 to 10000");
            return;
        }
        f.limit = value;
    }
    auto summary = m_store.delivery_summary(f.write_key);
    auto list = m_store.deliveries(f);
    if (!summary || !list) {
        send_error(res, 500, !summary ? summary.error().message : list.error().message);
        return;
    }
    JsonWriter w;
    w.begin_object().key("summary").begin_object();
    w.key("deliveries").value(summary->deliveries);
    w.key("delivered").value(summary->delivered);
    w.key("duplicated").value(summary->duplicated);
    w.key("failed").value(summary->failed);
    w.end_object().key("deliveries").begin_array();
    for (const auto& d : *list) {
        write_delivery(w, d);
    }
    w.end_array().end_object();
    send_json(res, 200, w.take());
}

} // namespace rm
