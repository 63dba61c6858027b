#include "settings.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

namespace rm::ui {

void Settings::remember_filter(const std::string& text) {
    last_filter = text;
    if (text.empty()) {
        return;
    }
    std::erase(filter_history, text);
    filter_history.push_back(text);
    if (filter_history.size() > k_history) {
        filter_history.erase(filter_history.begin());
    }
}

std::string config_dir() {
    std::filesystem::path base;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
        base = xdg;
    } else if (const char* home = std::getenv("HOME"); home && *home) {
        base = std::filesystem::path(home) / ".config";
    } else {
        return "";
    }
    std::error_code ec;
    std::filesystem::create_directories(base / "ruddermock", ec);
    return ec ? std::string() : (base / "ruddermock").string();
}

Settings load_settings(const std::string& dir) {
    Settings s;
    if (dir.empty()) {
        return s;
    }
    std::ifstream in(dir + "/settings.json");
    if (!in) {
        return s;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto j = nlohmann::json::parse(text.str(), nullptr, false);
    if (!j.is_object()) {
        return s; // unreadable: start from the defaults
    }
    auto num = [&](const char* key, auto& out) {
        if (j.contains(key) && j[key].is_number()) {
            out = j[key].get<std::decay_t<decltype(out)>>();
        }
    };
    num("window_width", s.window_width);
    num("window_height", s.window_height);
    num("font_scale", s.font_scale);
    num("detail_split", s.detail_split);
    if (j.contains("light_theme") && j["light_theme"].is_boolean()) {
        s.light_theme = j["light_theme"].get<bool>();
    }
    if (j.contains("last_filter") && j["last_filter"].is_string()) {
        s.last_filter = j["last_filter"].get<std::string>();
    }
    if (j.contains("filter_history") && j["filter_history"].is_array()) {
        for (const auto& f : j["filter_history"]) {
            if (f.is_string()) {
                s.filter_history.push_back(f.get<std::string>());
            }
        }
    }
    s.window_width = std::clamp(s.window_width, 640, 8192);
    s.window_height = std::clamp(s.window_height, 400, 8192);
    s.detail_split = std::clamp(s.detail_split, 0.2f, 0.85f);
    return s;
}

void save_settings(const std::string& dir, const Settings& s) {
    if (dir.empty()) {
        return;
    }
    nlohmann::json j = {{"window_width", s.window_width},    {"window_height", s.window_height},
                        {"light_theme", s.light_theme},      {"font_scale", s.font_scale},
                        {"detail_split", s.detail_split},    {"last_filter", s.last_filter},
                        {"filter_history", s.filter_history}};
    const std::string path = dir + "/settings.json";
    const std::string tmp = path + ".tmp-" + std::to_string(getpid());
    {
        std::ofstream out(tmp);
        out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        if (!out) {
            std::remove(tmp.c_str());
            return;
        }
    }
    std::rename(tmp.c_str(), path.c_str());
}

} // namespace rm::ui
