#include "export/json_diff.hpp"

#include <nlohmann/json.hpp>

namespace rm {

namespace {
using nlohmann::json;

std::string compact(const json& v) {
    return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string child(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
}

bool same_scalar(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) {
        return a.get<double>() == b.get<double>();
    }
    return a == b;
}

void diff(const json& a, const json& b, const std::string& path, std::vector<JsonDifference>& out,
          size_t max) {
    if (out.size() >= max) {
        return;
    }
    if (a.is_object() && b.is_object()) {
        for (const auto& [k, v] : a.items()) {
            auto it = b.find(k);
            if (it == b.end()) {
                out.push_back({JsonDifference::Kind::only_left, child(path, k), compact(v), ""});
            } else {
                diff(v, *it, child(path, k), out, max);
            }
            if (out.size() >= max) {
                return;
            }
        }
        for (const auto& [k, v] : b.items()) {
            if (!a.contains(k)) {
                out.push_back({JsonDifference::Kind::only_right, child(path, k), "", compact(v)});
                if (out.size() >= max) {
                    return;
                }
            }
        }
        return;
    }
    if (a.is_array() && b.is_array()) {
        const size_t n = std::max(a.size(), b.size());
        for (size_t i = 0; i < n && out.size() < max; ++i) {
            std::string p = path + "[" + std::to_string(i) + "]";
            if (i >= b.size()) {
                out.push_back({JsonDifference::Kind::only_left, p, compact(a[i]), ""});
            } else if (i >= a.size()) {
                out.push_back({JsonDifference::Kind::only_right, p, "", compact(b[i])});
            } else {
                diff(a[i], b[i], p, out, max);
            }
        }
        return;
    }
    if (!same_scalar(a, b)) {
        out.push_back({JsonDifference::Kind::changed, path, compact(a), compact(b)});
    }
}

void paths(const json& v, const std::string& path,
           std::vector<std::pair<std::string, std::string>>& out) {
    out.emplace_back(path, v.is_structured() ? (v.is_object() ? "{}" : "[]") : compact(v));
    if (v.is_object()) {
        for (const auto& [k, c] : v.items()) {
            paths(c, child(path, k), out);
        }
    } else if (v.is_array()) {
        for (size_t i = 0; i < v.size(); ++i) {
            paths(v[i], path + "[" + std::to_string(i) + "]", out);
        }
    }
}
} // namespace

std::vector<JsonDifference> json_diff(const json& left, const json& right, size_t max) {
    std::vector<JsonDifference> out;
    diff(left, right, "", out, max);
    return out;
}

std::vector<std::pair<std::string, std::string>> json_paths(const json& value) {
    std::vector<std::pair<std::string, std::string>> out;
    paths(value, "", out);
    return out;
}

} // namespace rm
