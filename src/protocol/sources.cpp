#include "protocol/sources.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace rm {

SourceRegistry::SourceRegistry(SourceRegistry&& other) noexcept {
    std::lock_guard lock(other.m_mutex);
    m_permissive = other.m_permissive;
    m_by_key = std::move(other.m_by_key);
    m_key_by_id = std::move(other.m_key_by_id);
}

SourceRegistry& SourceRegistry::operator=(SourceRegistry&& other) noexcept {
    if (this != &other) {
        std::scoped_lock lock(m_mutex, other.m_mutex);
        m_permissive = other.m_permissive;
        m_by_key = std::move(other.m_by_key);
        m_key_by_id = std::move(other.m_key_by_id);
    }
    return *this;
}

namespace {
std::string string_field(const nlohmann::json& obj, const char* name) {
    auto it = obj.find(name);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool bool_field(const nlohmann::json& obj, const char* name, bool fallback) {
    auto it = obj.find(name);
    return it != obj.end() && it->is_boolean() ? it->get<bool>() : fallback;
}
} // namespace

Result<SourceRegistry> SourceRegistry::from_json(const std::string& text) {
    auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        return make_error("not a JSON object");
    }
    auto sources = doc.find("sources");
    if (sources == doc.end() || !sources->is_array()) {
        return make_error("expected {\"sources\":[...]}");
    }
    SourceRegistry out;
    out.m_permissive = false;
    std::string workspace = string_field(doc, "workspaceId");
    for (size_t i = 0; i < sources->size(); ++i) {
        const auto& s = (*sources)[i];
        std::string where = "sources[" + std::to_string(i) + "]";
        if (!s.is_object()) {
            return make_error(where + " is not an object");
        }
        Source src;
        src.id = string_field(s, "id");
        src.write_key = string_field(s, "writeKey");
        if (src.id.empty() || src.write_key.empty()) {
            return make_error(where + " needs a non-empty \"id\" and \"writeKey\"");
        }
        src.name = string_field(s, "name");
        src.enabled = bool_field(s, "enabled", true);
        src.original_id = string_field(s, "originalId");
        src.workspace_id = string_field(s, "workspaceId");
        if (src.workspace_id.empty()) {
            src.workspace_id = workspace;
        }
        src.configured = true;
        if (auto def = s.find("sourceDefinition"); def != s.end() && def->is_object()) {
            src.category = string_field(*def, "category");
        }
        if (auto dests = s.find("destinations"); dests != s.end() && dests->is_array()) {
            for (const auto& d : *dests) {
                if (!d.is_object()) {
                    continue;
                }
                Destination dest{string_field(d, "id"), bool_field(d, "enabled", true),
                                 string_field(d, "name"), "", ""};
                if (auto def = d.find("destinationDefinition");
                    def != d.end() && def->is_object()) {
                    dest.definition_name = string_field(*def, "name");
                    dest.definition_display = string_field(*def, "displayName");
                }
                src.destinations.push_back(std::move(dest));
            }
        }
        if (out.m_by_key.count(src.write_key) != 0) {
            return make_error(where + ": write key " + src.write_key + " is used twice");
        }
        out.m_key_by_id[src.id] = src.write_key;
        out.m_by_key.emplace(src.write_key, std::move(src));
    }
    return out;
}

Result<SourceRegistry> SourceRegistry::from_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return make_error("cannot read sources file " + path);
    }
    std::stringstream buf;
    buf << in.rdbuf();
    auto out = from_json(buf.str());
    if (!out) {
        return make_error("sources file " + path + ": " + out.error().message);
    }
    return out;
}

std::optional<Source> SourceRegistry::by_write_key(const std::string& write_key) {
    std::lock_guard lock(m_mutex);
    if (auto it = m_by_key.find(write_key); it != m_by_key.end()) {
        return it->second;
    }
    if (!m_permissive || write_key.empty()) {
        return std::nullopt;
    }
    Source learned;
    learned.id = write_key;
    learned.write_key = write_key;
    m_key_by_id.emplace(learned.id, write_key);
    return m_by_key.emplace(write_key, std::move(learned)).first->second;
}

std::optional<Source> SourceRegistry::by_id(const std::string& id) {
    std::lock_guard lock(m_mutex);
    if (auto it = m_key_by_id.find(id); it != m_key_by_id.end()) {
        return m_by_key.at(it->second);
    }
    if (!m_permissive || id.empty()) {
        return std::nullopt;
    }
    // Learned from a source-id header: it has no real write key; the id stands in for it.
    Source learned;
    learned.id = id;
    learned.write_key = id;
    learned.original_id = id; // permissive: also acceptable as a replay source
    m_key_by_id.emplace(id, id);
    return m_by_key.emplace(id, std::move(learned)).first->second;
}

std::vector<Source> SourceRegistry::list() const {
    std::lock_guard lock(m_mutex);
    std::vector<Source> out;
    for (const auto& [key, src] : m_by_key) {
        out.push_back(src);
    }
    return out;
}

} // namespace rm
