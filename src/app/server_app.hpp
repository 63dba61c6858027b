// The composition root: owns the store, the sources, the gateway, the admin API and the HTTP
// server. Both front ends (headless main, and later the inspector) run one ServerApp.
#pragma once

#include "app/config.hpp"
#include "util/result.hpp"

#include <memory>
#include <string>

namespace rm {

class Store;
class FaultEngine;

class ServerApp {
  public:
    // Opens the database and reads the sources file; errors are start-up errors (exit 2).
    static Result<std::unique_ptr<ServerApp>> create(const Config& config);
    ~ServerApp();

    // Binds and starts serving; returns the port actually used.
    Result<int> start();
    // Stops accepting, finishes in-flight requests, flushes the store.
    void stop();

    // Writes the port once listening (for tests); an empty path does nothing.
    bool write_port_file(const std::string& path) const;
    Store& store();
    FaultEngine& faults();
    std::string url() const;
    std::string db_path() const;

    struct Parts;

  private:
    explicit ServerApp(std::unique_ptr<Parts> parts);
    std::unique_ptr<Parts> m_parts;
};

} // namespace rm
