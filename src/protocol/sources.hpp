// The sources the mock knows, from a workspace-config file or learned on the fly.
// Thread-safe: HTTP workers look sources up concurrently; a mutex guards the tables.
#pragma once

#include "util/result.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace rm {

struct Destination {
    std::string id;
    bool enabled = true;
    std::string name;               // "" when the file gives none
    std::string definition_name;    // destinationDefinition.name, e.g. "GA4"
    std::string definition_display; // destinationDefinition.displayName
};

struct Source {
    std::string id;
    std::string name; // "" when the file gives none (and for learned sources)
    std::string write_key;
    std::string workspace_id;
    std::string category;    // "" = event stream, "webhook", ...
    std::string original_id; // set for replay sources
    bool enabled = true;
    bool configured = false; // false = learned from traffic (no --sources file)
    std::vector<Destination> destinations;

    bool is_webhook() const { return category == "webhook"; }
    bool is_replay() const { return !original_id.empty(); }
};

class SourceRegistry {
  public:
    // Permissive: any non-empty write key or source id is an enabled source, remembered.
    SourceRegistry() = default;
    // Parses rudder-server's workspace-config shape: {"sources":[...]} (see gateway.md 2.4).
    static Result<SourceRegistry> from_json(const std::string& text);
    static Result<SourceRegistry> from_file(const std::string& path);

    SourceRegistry(SourceRegistry&& other) noexcept;
    SourceRegistry& operator=(SourceRegistry&& other) noexcept;

    bool permissive() const { return m_permissive; }
    // nullopt when unknown. In permissive mode a non-empty key is always known.
    std::optional<Source> by_write_key(const std::string& write_key);
    std::optional<Source> by_id(const std::string& id);
    std::vector<Source> list() const;

  private:
    bool m_permissive = true;
    mutable std::mutex m_mutex;
    std::map<std::string, Source> m_by_key; // write key -> source
    std::map<std::string, std::string> m_key_by_id;
};

} // namespace rm
