// What the inspector remembers across runs, in the user's config folder
// ($XDG_CONFIG_HOME/ruddermock/, else ~/.config/ruddermock/; never the working directory):
// settings.json (window size, theme, scale, filter history, pane split) and imgui.ini
// (ImGui's own: column widths, sort orders).
#pragma once

#include <string>
#include <vector>

namespace rm::ui {

struct Settings {
    int window_width = 1440;
    int window_height = 900;
    bool light_theme = false;
    float font_scale = 0;                    // 0 = from the monitor's content scale
    float detail_split = 0.58f;              // share of the width given to the events table
    std::vector<std::string> filter_history; // newest last, at most k_history
    std::string last_filter;

    static constexpr size_t k_history = 50;
    void remember_filter(const std::string& text);
};

// The folder, created if needed; "" when no home can be found (nothing is persisted then).
std::string config_dir();
Settings load_settings(const std::string& dir);
// Writes settings.json atomically (temporary file + rename). Failures are ignored: losing
// the window size must never lose a session.
void save_settings(const std::string& dir, const Settings& s);

} // namespace rm::ui
