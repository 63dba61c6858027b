// Inside ui/: how a window run is configured, and whether a display exists. main() reaches
// the window through src/app/window_frontend.hpp, implemented in run.cpp.
#pragma once

#include <cstdint>
#include <string>

namespace rm::ui {

// Whether a window can open here; why not otherwise (GLFW's error, e.g. no DISPLAY).
bool display_available(std::string& why);

struct WindowOptions {
    std::string screenshot_path; // draw until loaded, save a PNG, close (tests, README)
    int64_t select_event = 0;    // the event to select for it (0: the newest)
    bool frame_stats = false;    // at exit, print frames drawn and CPU per frame to stderr
};

} // namespace rm::ui
