#include "app/server_app.hpp"

#include "protocol/sources.hpp"
#include "server/admin.hpp"
#include "server/cors.hpp"
#include "server/gateway.hpp"
#include "server/http_server.hpp"
#include "storage/store.hpp"

#include <httplib.h>

namespace rm {

struct ServerApp::Parts {
    Config config;
    std::unique_ptr<Store> store;
    std::unique_ptr<SourceRegistry> sources;
    std::unique_ptr<Gateway> gateway;
    std::unique_ptr<AdminApi> admin;
    std::unique_ptr<HttpServer> http;
    int port = 0;
};

ServerApp::ServerApp(std::unique_ptr<Parts> parts) : m_parts(std::move(parts)) {}

ServerApp::~ServerApp() {
    stop();
}

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
    store_options.fsync = config.fsync;
    auto store = Store::open(store_options);
    if (!store) {
        return store.error();
    }
    parts->store = std::move(*store);
    GatewayOptions gw;
    gw.profile = config.profile;
    gw.max_request_bytes = static_cast<size_t>(config.max_request_kb) * 1024;
    gw.rate_limit = config.rate_limit;
    gw.max_in_flight = config.max_in_flight;
    gw.retl_require_destination_id = config.retl_require_destination_id;
    parts->gateway = std::make_unique<Gateway>(gw, *parts->store, *parts->sources);
    parts->admin = std::make_unique<AdminApi>(AdminOptions{config.admin_token, 300000},
                                              *parts->store, *parts->sources);
    return std::unique_ptr<ServerApp>(new ServerApp(std::move(parts)));
}

Result<int> ServerApp::start() {
    HttpOptions http;
    http.bind = m_parts->config.bind;
    http.port = m_parts->config.port;
    http.threads = m_parts->config.threads;
    http.max_body_bytes = m_parts->gateway->body_cap();
    Parts* p = m_parts.get();
    m_parts->http =
        std::make_unique<HttpServer>(http, [p](const httplib::Request& req, httplib::Response& res,
                                               const httplib::ContentReader* reader) {
            if (AdminApi::owns(req.path)) {
                if (is_preflight(req)) {
                    answer_preflight(req, res);
                    return;
                }
                add_cors_headers(req, res);
                p->admin->handle(req, res, reader);
            } else {
                p->gateway->handle(req, res, reader);
            }
        });
    auto port = m_parts->http->start();
    if (port) {
        m_parts->port = *port;
    }
    return port;
}

void ServerApp::stop() {
    if (m_parts && m_parts->http) {
        m_parts->http->stop();
        m_parts->http.reset();
    }
}

Store& ServerApp::store() {
    return *m_parts->store;
}

std::string ServerApp::url() const {
    return "http://" + m_parts->config.bind + ":" + std::to_string(m_parts->port);
}

std::string ServerApp::db_path() const {
    return m_parts->config.db == ":memory:" ? ":memory: (" + m_parts->store->path() + ")"
                                            : m_parts->store->path();
}

} // namespace rm
