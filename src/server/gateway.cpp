#include "server/gateway.hpp"

#include "protocol/auth.hpp"
#include "protocol/events.hpp"
#include "server/connection_faults.hpp"
#include "server/cors.hpp"
#include "server/info_routes.hpp"
#include "server/request_view.hpp"
#include "util/clock.hpp"
#include "util/encoding.hpp"
#include "util/gzip.hpp"
#include "util/json_writer.hpp"
#include "util/log.hpp"

#include <httplib.h>

#include <algorithm>
#include <thread>

namespace rm {

namespace {
// Bodies from this size on are parsed in the bulk pool (batches of ~100 events are ~70 KB).
constexpr size_t k_bulk_body_bytes = 32 * 1024;
// A hang fault holds the connection at most this long (the client usually gives up first).
constexpr int64_t k_hang_max_ms = 60000;
// The journal keeps this many of a request's messageIds for the deliveries view.
constexpr size_t k_delivery_ids_kept = 5;

// Marks the request as an attempt of the delivery of its set of messageIds.
void fill_delivery(RequestRecord& rec, const std::vector<EventRecord>& events) {
    std::vector<std::string_view> ids;
    ids.reserve(events.size());
    JsonWriter first;
    first.begin_array();
    for (const auto& e : events) {
        if (e.message_id.empty()) {
            continue;
        }
        if (ids.size() < k_delivery_ids_kept) {
            first.value(e.message_id);
        }
        ids.push_back(e.message_id);
    }
    first.end_array();
    if (ids.empty()) {
        return;
    }
    std::sort(ids.begin(), ids.end());
    std::string text = rec.write_key;
    for (auto id : ids) {
        text.push_back('\0');
        text.append(id);
    }
    rec.delivery_key = key_hash(text);
    if (rec.delivery_key == 0) {
        rec.delivery_key = 1; // 0 means "no delivery"
    }
    rec.message_count = static_cast<int>(ids.size());
    rec.message_ids_json = first.take();
}

std::string fault_json(const FaultDecision& f) {
    JsonWriter w;
    w.begin_object().key("rule").value(f.rule_id).key("status");
    if (f.status != 0) {
        w.value(f.status);
    } else {
        w.null();
    }
    w.key("delay_ms").value(f.delay_ms).key("connection");
    if (f.connection != ConnectionFault::none) {
        w.value(connection_fault_name(f.connection));
    } else {
        w.null();
    }
    w.end_object();
    return w.take();
}

std::string without_newline(std::string text) {
    if (!text.empty() && text.back() == '\n') {
        text.pop_back();
    }
    return text;
}
} // namespace

struct Gateway::Exchange {
    RequestRecord record;
    int64_t started_us = 0;
    Reason reason = Reason::ok;
    std::string combined_message; // import: several groups failed
    std::vector<EventRecord> events;
    bool pixel = false;      // always 200 + GIF
    bool info_body = false;  // health/version/robots/sourceConfig/webhook GET: body set directly
    int info_status = 200;   // of an info_body answer (sourceConfig refuses unknown keys)
    std::string info_reason; // of an info_body answer, for the journal
    std::string body;
    std::string content_type;
    std::string allow;                  // for 405
    std::optional<FaultDecision> fault; // the rule that fired, if any
    std::string retry_after;            // rate-limit 429 with --retry-after
};

Gateway::Gateway(GatewayOptions options, Store& store, SourceRegistry& sources, FaultEngine& faults)
    : m_options(std::move(options)), m_store(store), m_sources(sources), m_faults(faults) {
    if (m_options.rate_limit) {
        m_rate_limiter = std::make_unique<RateLimiter>(*m_options.rate_limit);
    }
    if (m_options.bulk_threads > 0) {
        m_bulk = std::make_unique<BulkPool>(m_options.bulk_threads);
    }
}

size_t Gateway::body_cap() const {
    return std::max<size_t>(m_options.max_request_bytes * 2, 16 * 1024 * 1024);
}

void Gateway::begin_shutdown() {
    m_stopping.store(true);
}

void Gateway::sleep_ms(int64_t ms) const {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!m_stopping.load()) {
        auto left = end - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) {
            break;
        }
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(50)));
    }
}

bool Gateway::apply_faults(const httplib::Request& req, Exchange& ex) {
    fill_delivery(ex.record, ex.events);
    if (!m_faults.active()) {
        return false;
    }
    auto decision = m_faults.decide({req.method, req.path, ex.record.write_key, &ex.events});
    if (!decision) {
        return false;
    }
    if (decision->delay_ms > 0) {
        sleep_ms(decision->delay_ms);
    }
    ex.fault = std::move(*decision);
    if (!ex.fault->refuses()) {
        return false; // a delay: the request goes on normally
    }
    ex.events.clear();
    return true;
}

void Gateway::handle(const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader* reader) {
    Exchange ex;
    ex.started_us = mono_us();
    ex.record = journal_record(req, m_options.redact_headers);
    disable_response_compression(req);
    if (header_bytes(req) > 512 * 1024) {
        // Go's HTTP server refuses this itself, before any handler or CORS middleware runs.
        drain_body(req, reader);
        ex.reason = Reason::headers_too_large;
        finish(ex, res);
        return;
    }
    res.set_header("Date", format_http_date(ex.record.received_ms)); // as Go's server sends
    if (is_preflight(req)) {
        drain_body(req, reader);
        answer_preflight(req, res);
        ex.record.status = 204;
        ex.record.duration_us = mono_us() - ex.started_us;
        if (auto r = m_store.record(std::move(ex.record), {}); !r) {
            log::warn("journal: " + r.error().message);
        }
        return;
    }
    // Counts this request while it is handled; over the limit it is refused with a 503.
    struct InFlight {
        std::atomic<int>& count;
        bool admitted;
        InFlight(std::atomic<int>& c, int limit)
            : count(c), admitted(c.fetch_add(1) < limit || limit <= 0) {}
        ~InFlight() { count.fetch_sub(1); }
    } in_flight(m_in_flight, m_options.max_in_flight);
    auto route = find_route(req.path);
    if (!route) {
        drain_body(req, reader);
        ex.reason = Reason::not_found;
    } else if (!method_allowed(*route, req.method)) {
        drain_body(req, reader);
        ex.reason = Reason::method_not_allowed;
        ex.allow = route->allow;
    } else if (!in_flight.admitted) {
        drain_body(req, reader);
        ex.reason = Reason::too_many_in_flight;
    } else {
        ex.pixel = route->body == BodyKind::pixel;
        run_pipeline(*route, req, reader, ex);
    }
    add_cors_headers(req, res);
    if (ex.fault && ex.fault->refuses()) {
        finish_fault(req, ex, res);
    } else {
        finish(ex, res);
    }
}

void Gateway::run_pipeline(const RouteInfo& route, const httplib::Request& req,
                           const httplib::ContentReader* reader, Exchange& ex) {
    if (route.auth == AuthKind::none && route.body == BodyKind::none) {
        answer_info_route(route, req, ex);
        return;
    }
    // 1. Auth, before the body is read: a bad key with a bad body gets the auth error.
    AuthInput in;
    if (const std::string* v = find_header(req, "Authorization")) {
        in.authorization = *v;
    }
    if (route.auth != AuthKind::basic && req.has_param("writeKey")) {
        in.query_write_key = req.get_param_value("writeKey");
    }
    if (const std::string* v = find_header(req, "X-Rudder-Source-Id")) {
        in.source_id = *v;
    }
    if (const std::string* v = find_header(req, "X-Rudder-Destination-Id")) {
        in.destination_id = *v;
    }
    in.destination_id_required = m_options.retl_require_destination_id;
    AuthOutcome auth = authenticate(route.auth, in, m_sources);
    ex.record.write_key = auth.write_key;
    if (auth.reason != Reason::ok) {
        drain_body(req, reader);
        ex.reason = auth.reason;
        return;
    }
    EventContext ctx{format_rfc3339_ms(ex.record.received_ms), request_ip(req)};
    if (route.body == BodyKind::pixel) {
        Prepared p = prepare_pixel(route.event_type, query_params(req), ctx);
        ex.reason = p.reason;
        ex.events = std::move(p.events);
        apply_faults(req, ex);
        return;
    }
    if (route.route == Route::webhook && req.method == "GET") {
        ex.info_body = true; // 200, empty body, nothing stored
        return;
    }
    // 2. Read the whole body, bounded; decode gzip only for "Content-Encoding: gzip".
    BodyRead raw = read_body(req, reader, body_cap());
    if (raw.over_cap) {
        ex.record.body = raw.bytes.substr(0, m_options.max_request_bytes);
        ex.reason = Reason::too_large;
        return;
    }
    if (!raw.ok) {
        ex.record.body = std::move(raw.bytes);
        ex.reason = Reason::read_body_failed;
        return;
    }
    std::string body = std::move(raw.bytes);
    if (is_gzip_encoding(raw.content_encoding)) {
        DecodedBody decoded = gunzip_bounded(body, body_cap());
        if (decoded.status != DecodeStatus::ok) {
            ex.record.body = decoded.bytes.substr(0, m_options.max_request_bytes);
            ex.reason = decoded.status == DecodeStatus::over_cap ? Reason::too_large
                                                                 : Reason::read_body_failed;
            return;
        }
        body = std::move(decoded.bytes);
    }
    // 3. Parse, shape, per-event checks and enrichment; for a large body in the low-priority
    // bulk pool (bulk_pool.hpp), with the compression of its journal copy.
    Prepared p;
    const size_t decoded_bytes = body.size();
    auto prepare = [&] {
        switch (route.body) {
        case BodyKind::single:
            p = prepare_single(body, route.event_type, ctx);
            break;
        case BodyKind::batch:
            p = prepare_batch(body, ctx);
            break;
        case BodyKind::import:
            p = prepare_import(body, ctx);
            break;
        case BodyKind::internal_batch:
            p = prepare_internal_batch(body);
            break;
        case BodyKind::webhook:
            p = prepare_webhook(body, raw.content_type, query_params(req));
            break;
        case BodyKind::none:
        case BodyKind::pixel:
            break;
        }
        ex.record.body = std::move(body);
        Store::pack_body(ex.record);
    };
    if (m_bulk && decoded_bytes >= k_bulk_body_bytes) {
        m_bulk->run(prepare);
    } else {
        prepare();
    }
    ex.reason = p.reason;
    ex.combined_message = std::move(p.combined_message);
    ex.events = std::move(p.events);
    // 4. Faults: after the body is read and parsed (so the journal has it, and rules can match
    // event types), before limits and storage.
    if (apply_faults(req, ex)) {
        return;
    }
    if (ex.reason != Reason::ok && route.body != BodyKind::import) {
        ex.events.clear(); // all or nothing (import groups are not atomic)
        return;
    }
    if (ex.reason != Reason::ok) {
        return;
    }
    // 5. Limits: rate, then size (audiencelist is exempt from the size limit).
    if (m_rate_limiter) {
        std::string bucket = m_options.rate_limit_by_write_key ? auth.write_key
                             : auth.source                     ? auth.source->workspace_id
                                                               : std::string();
        int64_t wait_ms = 0;
        if (!m_rate_limiter->allow(bucket, static_cast<int64_t>(ex.events.size()), now_ms(),
                                   &wait_ms)) {
            ex.events.clear();
            ex.reason = Reason::rate_limited;
            if (m_options.rate_limit_retry_after) {
                ex.retry_after = std::to_string(std::max<int64_t>(1, (wait_ms + 999) / 1000));
            }
            return;
        }
    }
    bool audiencelist = false;
    for (const auto& e : ex.events) {
        audiencelist = audiencelist || e.type == "audiencelist";
    }
    if (decoded_bytes > m_options.max_request_bytes && !audiencelist) {
        ex.events.clear();
        ex.reason = Reason::too_large;
    }
}

void Gateway::answer_info_route(const RouteInfo& route, const httplib::Request& req, Exchange& ex) {
    InfoAnswer a = answer_info(route, req, m_sources);
    ex.info_body = true;
    ex.info_status = a.status;
    ex.info_reason = std::move(a.reason);
    ex.content_type = std::move(a.content_type);
    ex.body = std::move(a.body);
    ex.record.write_key = std::move(a.write_key);
}

void Gateway::finish(Exchange& ex, httplib::Response& res) {
    static constexpr unsigned char k_gif[] = {
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
        0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};
    auto& rec = ex.record;
    rec.reason =
        ex.reason == Reason::combined ? ex.combined_message : std::string(reason_text(ex.reason));
    if (!rec.reason.empty() && rec.reason.back() == '\n') {
        rec.reason.pop_back();
    }
    rec.event_count = static_cast<int>(ex.events.size());
    rec.duration_us = mono_us() - ex.started_us;
    const bool accepted = ex.reason == Reason::ok || (!ex.events.empty());
    std::string text_type = "text/plain; charset=utf-8";
    if (ex.pixel) {
        res.status = 200;
        res.set_content(std::string(reinterpret_cast<const char*>(k_gif), sizeof k_gif),
                        "image/gif");
    } else if (ex.info_body && ex.reason == Reason::ok) {
        res.status = ex.info_status;
        res.set_content(ex.body, ex.content_type.empty() ? text_type : ex.content_type);
        rec.reason = std::move(ex.info_reason);
    } else {
        res.status = ex.reason == Reason::ok ? 200 : reason_status(ex.reason);
        std::string body = ex.reason == Reason::combined
                               ? ex.combined_message
                               : response_body(ex.reason, m_options.profile);
        if (ex.reason == Reason::method_not_allowed) {
            res.set_header("Allow", ex.allow); // the router's 405: no body, no content type
        } else {
            if (ex.reason != Reason::ok && ex.reason != Reason::headers_too_large) {
                res.set_header("X-Content-Type-Options", "nosniff"); // as http.Error sends
            }
            res.set_content(body, text_type);
        }
    }
    if (!ex.retry_after.empty()) {
        res.set_header("Retry-After", ex.retry_after);
    }
    if (ex.fault) { // a delay-only rule fired: the answer is the real one
        for (const auto& [name, value] : ex.fault->headers) {
            res.set_header(name, value);
        }
        rec.fault_rule = ex.fault->rule_id;
        rec.fault_json = fault_json(*ex.fault);
    }
    rec.status = res.status;
    rec.response_body = ex.pixel ? std::string("(43-byte GIF)") : res.body;
    // The answer goes out only after the journal and events are committed.
    auto stored = m_store.record(std::move(rec), std::move(ex.events));
    if (!stored) {
        log::debug("store: " + stored.error().message); // the store logs failures
        if (accepted && !ex.pixel) {
            res.status = 500;
            res.set_content("failed to store the request\n", text_type);
        }
    }
}

void Gateway::finish_fault(const httplib::Request& req, Exchange& ex, httplib::Response& res) {
    const FaultDecision& f = *ex.fault;
    auto& rec = ex.record;
    rec.fault_rule = f.rule_id;
    rec.fault_json = fault_json(f);
    rec.event_count = 0;
    const std::string text_type = "text/plain; charset=utf-8";
    const std::string named = "fault '" + f.rule_id + "': ";
    std::string partial; // what a truncate fault sends
    if (f.connection == ConnectionFault::none) {
        std::string body = f.body ? *f.body : status_error_body(f.status, m_options.profile);
        res.status = f.status;
        res.set_header("X-Content-Type-Options", "nosniff");
        for (const auto& [name, value] : f.headers) {
            res.set_header(name, value);
        }
        res.set_content(body, text_type);
        rec.status = f.status;
        rec.reason = named + without_newline(body);
        rec.response_body = std::move(body);
    } else {
        // Journaled first, with status 0: the client sees no answer, and a test that reacts
        // to its connection error finds the attempt already recorded.
        rec.status = 0;
        rec.reason = named + "connection " + std::string(connection_fault_name(f.connection));
        if (f.connection == ConnectionFault::truncate) {
            const std::string body = response_body(Reason::ok, m_options.profile);
            partial = "HTTP/1.1 200 OK\r\nContent-Type: " + text_type +
                      "\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\nDate: " + format_http_date(rec.received_ms) + "\r\n";
            for (const auto& [name, value] : f.headers) {
                partial += name + ": " + value + "\r\n";
            }
            partial += "\r\n" + body.substr(0, body.size() / 2);
            rec.response_body = body.substr(0, body.size() / 2);
            rec.reason += " (sent " + std::to_string(body.size() / 2) + " of " +
                          std::to_string(body.size()) + " body bytes)";
        }
        res.status = 500; // never reaches the client: the socket is gone when the library writes
    }
    rec.duration_us = mono_us() - ex.started_us;
    if (auto stored = m_store.record(std::move(rec), {}); !stored) {
        log::debug("store: " + stored.error().message); // the store logs failures
    }
    if (f.connection == ConnectionFault::none) {
        return;
    }
    const int fd = connection_fd(req);
    if (fd < 0) {
        log::warn("fault '" + f.rule_id + "': connection not found; answering 500 instead");
        return;
    }
    switch (f.connection) {
    case ConnectionFault::reset:
        reset_connection(fd);
        break;
    case ConnectionFault::close:
        close_connection(fd);
        break;
    case ConnectionFault::truncate:
        send_then_close(fd, partial);
        break;
    case ConnectionFault::hang:
        hang_connection(fd, k_hang_max_ms, m_stopping);
        break;
    case ConnectionFault::none:
        break;
    }
}

} // namespace rm
