#include "app/server_app.hpp"

#include "faults/fault_engine.hpp"
#include "forward/forwarder.hpp"
#include "protocol/sources.hpp"
#include "server/admin.hpp"
#include "server/dispatch.hpp"
#include "server/gateway.hpp"
#include "server/http_server.hpp"
#include "server/worker_pool.hpp"
#include "storage/store.hpp"

#include <cstdio>
#include <fstream>
#include <httplib.h>
#include <sstream>

namespace rm {

struct ServerApp::Parts {
    Config config;
    std::unique_ptr<Store> store;
    std::unique_ptr<SourceRegistry> sources;
    FaultEngine faults;
    std::unique_ptr<Gateway> gateway;
    std::unique_ptr<AdminApi> admin;
    ConnectionCounters connections; // outlives the HTTP server; /_mock/stats reads it
    std::unique_ptr<HttpServer> http;
    std::unique_ptr<Forwarder> forwarder; // --forward: stopped before the store closes
    int port = 0;
};

ServerApp::ServerApp(std::unique_ptr<Parts> parts) : m_parts(std::move(parts)) {}

ServerApp::~ServerApp() {
    stop();
}

namespace {
// The plan of --faults FILE followed by the rules of --fail/--delay; nullopt when neither.
Result<std::optional<FaultPlan>> startup_plan(const Config& config) {
    std::optional<FaultPlan> plan;
    if (!config.faults_file.empty()) {
        std::ifstream in(config.faults_file, std::ios::binary);
        if (!in) {
            return make_error("cannot read --faults " + config.faults_file);
        }
        std::stringstream text;
        text << in.rdbuf();
        auto parsed = parse_fault_plan(text.str());
        if (!parsed) {
            return make_error("--faults " + config.faults_file + ": " + parsed.error().message);
        }
        plan = std::move(*parsed);
    }
    if (!config.fault_rules.empty()) {
        if (!plan) {
            plan = FaultPlan{};
        }
        for (const auto& rule : config.fault_rules) {
            plan->rules.push_back(rule);
        }
    }
    return plan;
}
} // namespace

Result<std::unique_ptr<ServerApp>> ServerApp::create(const Config& config) {
    auto parts = std::make_unique<Parts>();
    parts->config = config;
    if (config.sources_file.empty()) {
        parts->sources = std::make_unique<SourceRegistry>();
    } else {
        auto loaded = SourceRegistry::from_file(config.sources_file);
        if (!loaded) {
            return loaded.error();
        }
        parts->sources = std::make_unique<SourceRegistry>(std::move(*loaded));
    }
    StoreOptions store_options;
    store_options.path = config.db;
    store_options.max_events = config.max_events;
    store_options.max_db_bytes = config.max_db_mb * 1024 * 1024;
    store_options.retention_ms = config.retention_ms;
    store_options.fsync = config.fsync;
    store_options.forward = !config.forward_url.empty();
    store_options.forward_queue_limit = config.forward_queue;
    auto store = Store::open(store_options);
    if (!store) {
        return store.error();
    }
    parts->store = std::move(*store);
    auto plan = startup_plan(config);
    if (!plan) {
        return plan.error();
    }
    if (*plan) {
        parts->faults.set(std::move(**plan));
    }
    GatewayOptions gw;
    gw.profile = config.profile;
    gw.max_request_bytes = static_cast<size_t>(config.max_request_kb) * 1024;
    gw.rate_limit = config.rate_limit;
    gw.rate_limit_by_write_key = config.rate_limit_by_write_key;
    gw.rate_limit_retry_after = config.rate_limit_retry_after;
    gw.max_in_flight = config.max_in_flight;
    gw.retl_require_destination_id = config.retl_require_destination_id;
    gw.redact_headers = config.redact_headers;
    parts->gateway = std::make_unique<Gateway>(gw, *parts->store, *parts->sources, parts->faults);
    AdminOptions admin_options;
    admin_options.token = config.admin_token;
    admin_options.max_wait_ms = 300000;
    admin_options.forward_url = config.forward_url;
    admin_options.connections = &parts->connections;
    parts->admin = std::make_unique<AdminApi>(std::move(admin_options), *parts->store,
                                              *parts->sources, parts->faults);
    if (!config.forward_url.empty()) {
        auto target = parse_forward_url(config.forward_url);
        if (!target) {
            return target.error();
        }
        ForwarderOptions fw;
        fw.target = std::move(*target);
        parts->forwarder = std::make_unique<Forwarder>(*parts->store, std::move(fw));
    }
    return std::unique_ptr<ServerApp>(new ServerApp(std::move(parts)));
}

Result<int> ServerApp::start() {
    HttpOptions http;
    http.bind = m_parts->config.bind;
    http.port = m_parts->config.port;
    http.threads = m_parts->config.threads;
    http.max_connections = m_parts->config.max_connections;
    http.head_deadline_ms = m_parts->config.head_deadline_ms;
    http.body_deadline_ms = m_parts->config.body_deadline_ms;
    http.counters = &m_parts->connections;
    http.max_body_bytes = m_parts->gateway->body_cap();
    m_parts->http =
        std::make_unique<HttpServer>(http, dispatch_to(*m_parts->admin, *m_parts->gateway));
    auto port = m_parts->http->start();
    if (port) {
        m_parts->port = *port;
        if (m_parts->forwarder) {
            auto target = parse_forward_url(m_parts->config.forward_url);
            if (target && forwards_to_itself(*target, m_parts->config.bind, *port)) {
                stop();
                return make_error("--forward " + m_parts->config.forward_url +
                                  " is this server itself: every request would come back");
            }
            m_parts->forwarder->start();
        }
    }
    return port;
}

void ServerApp::stop() {
    if (m_parts && m_parts->http) {
        m_parts->gateway->begin_shutdown(); // fault delays and hangs end now
        m_parts->http->stop();
        m_parts->http.reset();
    }
    // After the HTTP server: requests accepted until then are queued (the next run with
    // --forward sends what is left).
    if (m_parts && m_parts->forwarder) {
        m_parts->forwarder->stop();
    }
}

bool ServerApp::write_port_file(const std::string& path) const {
    if (path.empty()) {
        return true;
    }
    {
        std::ofstream out(path + ".tmp");
        out << m_parts->port << "\n";
        if (!out) {
            return false;
        }
    }
    return std::rename((path + ".tmp").c_str(), path.c_str()) == 0;
}

Store& ServerApp::store() {
    return *m_parts->store;
}

FaultEngine& ServerApp::faults() {
    return m_parts->faults;
}

std::string ServerApp::url() const {
    return "http://" + m_parts->config.bind + ":" + std::to_string(m_parts->port);
}

std::string ServerApp::db_path() const {
    return m_parts->config.db == ":memory:" ? ":memory: (" + m_parts->store->path() + ")"
                                            : m_parts->store->path();
}

} // namespace rm
