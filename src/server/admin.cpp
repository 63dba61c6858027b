#include "server/admin.hpp"

#include "protocol/browser_headers.hpp"
#include "server/request_view.hpp"
#include "server/worker_pool.hpp"
#include "util/json_writer.hpp"
#include "util/secure_compare.hpp"

#include <algorithm>
#include <charconv>
#include <httplib.h>

namespace rm {

namespace admin {
void send_json(httplib::Response& res, int status, std::string body) {
    res.status = status;
    res.set_content(std::move(body), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
    JsonWriter w;
    w.begin_object().key("error").value(message).end_object();
    send_json(res, status, w.take());
}

Result<int64_t> int_param(const httplib::Request& req, const char* name, int64_t fallback,
                          int64_t min, int64_t max) {
    if (!req.has_param(name)) {
        return fallback;
    }
    std::string text = req.get_param_value(name);
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || value < min || value > max) {
        return make_error(std::string("parameter ") + name + " must be an integer from " +
                          std::to_string(min) + " to " + std::to_string(max));
    }
    return value;
}

// since, limit and order, shared by the event and request listings.
Status read_paging(const httplib::Request& req, int64_t& since, int& limit, bool& descending) {
    auto since_value = int_param(req, "since", 0, 0, INT64_MAX);
    if (!since_value) {
        return since_value.error();
    }
    auto limit_value = int_param(req, "limit", 100, 1, 10000);
    if (!limit_value) {
        return limit_value.error();
    }
    std::string order = req.get_param_value("order");
    if (order != "" && order != "asc" && order != "desc") {
        return make_error("parameter order must be asc or desc");
    }
    since = *since_value;
    limit = static_cast<int>(*limit_value);
    descending = order == "desc";
    return Ok{};
}
} // namespace admin

namespace {
using admin::int_param;
using admin::read_paging;
using admin::send_error;
using admin::send_json;
// Admin request bodies (fault plans) are small.
constexpr size_t k_admin_body_cap = 1024 * 1024;
} // namespace

AdminApi::AdminApi(AdminOptions options, Store& store, SourceRegistry& sources, FaultEngine& faults)
    : m_options(std::move(options)), m_store(store), m_sources(sources), m_faults(faults) {}

bool AdminApi::owns(const std::string& path) {
    return path == "/_mock" || path.rfind("/_mock/", 0) == 0;
}

void AdminApi::handle(const httplib::Request& req, httplib::Response& res,
                      const httplib::ContentReader* reader) {
    BodyRead body = read_body(req, reader, k_admin_body_cap);
    if (!m_options.token.empty() &&
        !constant_time_equal(req.get_header_value("Authorization"), "Bearer " + m_options.token)) {
        send_error(res, 401, "admin API needs Authorization: Bearer <token>");
        return;
    }
    const std::string& p = req.path;
    const bool get = req.method == "GET";
    if (p == "/_mock/events" && get) {
        list_events(req, res);
    } else if (p.rfind("/_mock/events/", 0) == 0 && get) {
        std::string tail = p.substr(std::string("/_mock/events/").size());
        int64_t id = 0;
        auto [ptr, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), id);
        if (ec != std::errc() || ptr != tail.data() + tail.size()) {
            send_error(res, 400, "event id must be an integer");
        } else {
            get_event(id, res);
        }
    } else if (p == "/_mock/requests" && get) {
        list_requests(req, res);
    } else if (p == "/_mock/wait" && get) {
        wait(req, res);
    } else if (p == "/_mock/reset" && req.method == "POST") {
        reset(req, res);
    } else if (p == "/_mock/stats" && get) {
        stats(res);
    } else if (p == "/_mock/sources" && get) {
        sources(res);
    } else if (p == "/_mock/faults" && get) {
        get_faults(res);
    } else if (p == "/_mock/faults" && (req.method == "PUT" || req.method == "POST")) {
        if (body.over_cap) {
            send_error(res, 413, "fault plan larger than 1 MiB");
        } else {
            put_faults(body.bytes, res);
        }
    } else if (p == "/_mock/faults" && req.method == "DELETE") {
        delete_faults(res);
    } else if (p == "/_mock/deliveries" && get) {
        list_deliveries(req, res);
    } else if (p == "/_mock/export" && get) {
        export_stream(req, res);
    } else {
        send_error(res, 404,
                   "unknown admin route " + req.method + " " + p +
                       " (GET events, events/{id}, requests, wait, stats, sources, faults, "
                       "deliveries, export; POST reset; PUT/DELETE faults)");
    }
}

void AdminApi::list_requests(const httplib::Request& req, httplib::Response& res) {
    RequestFilter f;
    std::string status = req.get_param_value("status");
    if (status.size() == 3 && status[0] >= '1' && status[0] <= '5' && status.substr(1) == "xx") {
        f.status_class = status[0] - '0';
    } else if (!status.empty()) {
        auto code = int_param(req, "status", 0, 100, 599);
        if (!code) {
            send_error(res, 400, "parameter status must be a code (401) or a class (4xx)");
            return;
        }
        f.status = static_cast<int>(*code);
    }
    f.path = req.get_param_value("path");
    f.write_key = req.get_param_value("writeKey");
    f.fault = req.get_param_value("fault");
    if (auto st = read_paging(req, f.since, f.limit, f.descending); !st) {
        send_error(res, 400, st.error().message);
        return;
    }
    auto rows = m_store.requests(f);
    if (!rows) {
        send_error(res, 500, rows.error().message);
        return;
    }
    JsonWriter w;
    int64_t next = f.since;
    w.begin_object().key("requests").begin_array();
    for (const auto& r : *rows) {
        const auto& rec = r.record;
        w.begin_object();
        w.key("id").value(r.id);
        w.key("received_at").value(r.received_at);
        w.key("method").value(rec.method);
        w.key("path").value(rec.path);
        w.key("query").value(rec.query);
        w.key("status").value(rec.status);
        w.key("reason").value(rec.reason);
        w.key("write_key").value(rec.write_key);
        w.key("peer").value(rec.peer);
        w.key("event_count").value(rec.event_count);
        w.key("duration_us").value(rec.duration_us);
        w.key("headers").raw(rec.headers_json);
        // The browser SDK's headers, decoded (null when the request has none of them).
        w.key("browser").raw(browser_headers_json(read_browser_headers(rec.headers_json)));
        w.key("body").value(rec.body);
        w.key("response_body").value(rec.response_body);
        w.key("fault");
        if (rec.fault_json.empty()) {
            w.null();
        } else {
            w.raw(rec.fault_json);
        }
        w.key("delivery_key").value(rec.delivery_key);
        w.key("delivery_first"); // the id of the delivery's first attempt
        if (r.delivery_first == 0) {
            w.null();
        } else {
            w.value(r.delivery_first);
        }
        w.key("message_count").value(rec.message_count);
        w.key("forward_status");
        if (r.forward_status) {
            w.value(*r.forward_status);
        } else {
            w.null();
        }
        w.end_object();
        next = std::max(next, r.id);
    }
    w.end_array().key("next_since").value(next).end_object();
    send_json(res, 200, w.take());
}

void AdminApi::reset(const httplib::Request& req, httplib::Response& res) {
    std::optional<std::string> key;
    if (req.has_param("writeKey")) {
        key = req.get_param_value("writeKey");
    }
    auto removed = m_store.reset(key);
    if (!removed) {
        send_error(res, 500, removed.error().message);
        return;
    }
    JsonWriter w;
    w.begin_object().key("reset").value(true).key("events_removed").value(*removed);
    if (key) {
        w.key("writeKey").value(*key);
    }
    w.end_object();
    send_json(res, 200, w.take());
}

void AdminApi::stats(httplib::Response& res) {
    auto s = m_store.stats();
    if (!s) {
        send_error(res, 500, s.error().message);
        return;
    }
    JsonWriter w;
    w.begin_object();
    w.key("events").value(s->events);
    w.key("requests").value(s->requests);
    w.key("events_per_second_last_minute").value(s->events_per_second_last_minute);
    w.key("events_by_type").begin_object();
    for (const auto& [k, v] : s->events_by_type) {
        w.key(k).value(v);
    }
    w.end_object().key("requests_by_status").begin_object();
    for (const auto& [k, v] : s->requests_by_status) {
        w.key(std::to_string(k)).value(v);
    }
    w.end_object().key("events_by_write_key").begin_object();
    for (const auto& [k, v] : s->events_by_write_key) {
        w.key(k).value(v);
    }
    w.end_object().key("requests_by_write_key").begin_object();
    for (const auto& [k, v] : s->requests_by_write_key) {
        w.key(k).value(v);
    }
    w.end_object();
    if (!m_options.forward_url.empty()) {
        const ForwardStats& f = s->forward;
        w.key("forward").begin_object();
        w.key("url").value(m_options.forward_url);
        w.key("pending").value(f.pending);
        w.key("forwarded").value(f.forwarded);
        w.key("failed").value(f.failed);
        w.key("dropped").value(f.dropped);
        w.end_object();
    }
    const StorageStats& g = s->storage;
    w.key("storage").begin_object();
    w.key("db_bytes").value(g.db_bytes).key("wal_bytes").value(g.wal_bytes);
    w.key("max_db_bytes").value(g.max_db_bytes).key("retention_s").value(g.retention_ms / 1000);
    w.key("max_events").value(g.max_events);
    w.key("trimmed_events")
        .value(g.trimmed_events)
        .key("trimmed_requests")
        .value(g.trimmed_requests);
    w.end_object();
    if (const ConnectionCounters* c = m_options.connections) {
        w.key("connections").begin_object();
        w.key("open").value(c->open.load());
        w.key("peak").value(c->peak.load());
        w.key("refused").value(c->refused.load());
        w.key("cut_slow").value(c->cut_slow.load());
        w.key("max").value(c->max.load());
        w.end_object();
    }
    w.end_object();
    send_json(res, 200, w.take());
}

void AdminApi::sources(httplib::Response& res) {
    JsonWriter w;
    w.begin_object();
    w.key("mode").value(m_sources.permissive() ? "any write key" : "sources file");
    w.key("sources").begin_array();
    for (const auto& s : m_sources.list()) {
        w.begin_object();
        w.key("id").value(s.id);
        w.key("writeKey").value(s.write_key);
        w.key("workspaceId").value(s.workspace_id);
        w.key("enabled").value(s.enabled);
        w.key("category").value(s.category);
        w.key("originalId").value(s.original_id);
        w.key("configured").value(s.configured);
        w.key("destinations").begin_array();
        for (const auto& d : s.destinations) {
            w.begin_object().key("id").value(d.id).key("enabled").value(d.enabled).end_object();
        }
        w.end_array().end_object();
    }
    w.end_array().end_object();
    send_json(res, 200, w.take());
}

} // namespace rm