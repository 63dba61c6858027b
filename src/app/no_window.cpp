// The window front end of a build without the inspector (RUDDERMOCK_UI=OFF).
#include "app/window_frontend.hpp"

namespace rm {

std::string window_unavailable(const Config&) {
    return "headless: this build has no window";
}

int run_window_live(ServerApp&, const Config&, const std::atomic<bool>&) {
    return 2;
}

int run_window_open(const Config&, const std::atomic<bool>&) {
    return 2;
}

} // namespace rm
