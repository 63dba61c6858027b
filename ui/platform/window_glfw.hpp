// The platform layer: a GLFW window with an OpenGL 3 context, ImGui's GLFW and OpenGL3
// backends, and an event loop that sleeps until something changes (input, a posted task,
// new rows), since VSync cannot be relied on (Xvfb ignores it: an uncapped loop burns a core).
#pragma once

#include "../inspector.hpp"
#include "../run.hpp"

#include <atomic>
#include <functional>
#include <string>

namespace rm::ui {

struct LoopOptions {
    WindowOptions window;
    std::string title = "ruddermock";
    std::string config_dir;
};

// Creates the window (settings give its size), builds an Inspector with make_context once
// ImGui exists (fonts loaded), runs until closed or stop; saves the settings. Returns an
// exit code (2 when no window could be made).
int run_glfw_loop(Settings& settings, MainThreadQueue& tasks, const LoopOptions& options,
                  const std::function<InspectorContext(const Fonts&)>& make_context,
                  const std::atomic<bool>& stop);

} // namespace rm::ui
