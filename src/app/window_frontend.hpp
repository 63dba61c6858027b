// The window front end as main() sees it. Implemented by ui/run.cpp when the inspector is
// built (RUDDERMOCK_UI=ON), and by src/app/no_window.cpp in a headless-only build, so main
// and the core never include the UI.
#pragma once

#include "app/config.hpp"

#include <atomic>
#include <string>

namespace rm {

class ServerApp;

// "" when a window can open; otherwise why not, for the start-up line
// ("headless: no display (DISPLAY is not set)", "headless: this build has no window").
std::string window_unavailable(const Config& config);
// The inspector over the running server, until the window closes or stop turns true.
// Returns an exit code; the caller stops the server.
int run_window_live(ServerApp& app, const Config& config, const std::atomic<bool>& stop);
// The inspector on config.open_db, read-only, with no server.
int run_window_open(const Config& config, const std::atomic<bool>& stop);

} // namespace rm
