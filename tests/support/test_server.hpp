// Test support: a real ruddermock on 127.0.0.1 port 0 with a throwaway database, stopped
// and joined when the object leaves scope, plus small HTTP and fixture helpers.
#pragma once

#include "app/config.hpp"
#include "app/server_app.hpp"

#include <httplib.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace rm::test {

// Reads fixtures/<name> (throws when missing: a broken test setup).
std::string fixture(const std::string& name);
std::string fixtures_dir();

// "Basic base64(key:)" as the SDKs send it.
std::string basic(const std::string& write_key, const std::string& password = "");

// Sends raw bytes on a fresh TCP connection, optionally closes the write side, and returns
// everything the server sends back until it closes or timeout_ms passes.
std::string raw_exchange(int port, const std::string& bytes, int timeout_ms = 3000,
                         bool shutdown_write = false);

// One TCP connection kept open across several exchanges (keep-alive checks).
class RawConnection {
  public:
    explicit RawConnection(int port);
    ~RawConnection();
    void send_all(const std::string& bytes);
    // Reads until one full response (headers plus Content-Length bytes) or the timeout.
    std::string read_response(int timeout_ms = 3000);

  private:
    int m_fd = -1;
    std::string m_pending;
};

class TestServer {
  public:
    // Starts with a :memory: database on port 0; adjust the config before start.
    explicit TestServer(Config config = default_config());
    ~TestServer();

    static Config default_config();

    int port() const { return m_port; }
    ServerApp& app() { return *m_app; }
    // A client for this server (keep-alive, no compression).
    httplib::Client client() const;
    // POST with Basic auth for write_key.
    httplib::Result post(const std::string& path, const std::string& write_key,
                         const std::string& body,
                         const std::string& content_type = "application/json") const;
    // GET an admin path and parse its JSON body (fails the test on a non-JSON body).
    nlohmann::json admin_json(const std::string& path_and_query) const;

  private:
    std::unique_ptr<ServerApp> m_app;
    int m_port = 0;
};

} // namespace rm::test
