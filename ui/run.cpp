#include "run.hpp"

#include "app/server_app.hpp"
#include "app/window_frontend.hpp"
#include "faults/fault_engine.hpp"
#include "platform/window_glfw.hpp"
#include "storage/store.hpp"

#include <cstdio>

namespace rm::ui {

namespace {
int run(const std::string& db_path, ServerApp* app, const Config* config,
        const WindowOptions& options, const std::atomic<bool>& stop) {
    MainThreadQueue tasks;
    auto feed = EventFeed::open(db_path, app ? &app->store() : nullptr, tasks);
    if (!feed) {
        std::fprintf(stderr, "ruddermock: cannot read %s: %s\n", db_path.c_str(),
                     feed.error().message.c_str());
        return 2;
    }
    const std::string dir = config_dir();
    Settings settings = load_settings(dir);
    LoopOptions loop;
    loop.window = options;
    loop.config_dir = dir;
    loop.title = app ? "ruddermock \xe2\x80\x94 " + app->url()
                     : "ruddermock \xe2\x80\x94 " + db_path + " (read-only)";
    int code = run_glfw_loop(
        settings, tasks, loop,
        [&](const Fonts& fonts) {
            InspectorContext ctx(**feed, tasks, settings, fonts);
            ctx.db_path = app ? app->db_path() : db_path;
            ctx.read_only = app == nullptr;
            ctx.file_path = db_path;
            if (app && config) {
                ctx.store = &app->store();
                ctx.faults = &app->faults();
                ctx.url = app->url();
                ctx.profile = std::string(profile_name(config->profile));
            }
            return ctx;
        },
        stop);
    save_settings(dir, settings);
    return code;
}
} // namespace

WindowOptions options_of(const Config& config) {
    return WindowOptions{config.screenshot, config.select_event, config.frame_stats};
}

} // namespace rm::ui

namespace rm {

std::string window_unavailable(const Config&) {
    std::string why;
    if (ui::display_available(why)) {
        return "";
    }
    return "headless: no display (" + why + ")";
}

int run_window_live(ServerApp& app, const Config& config, const std::atomic<bool>& stop) {
    return ui::run(app.store().path(), &app, &config, ui::options_of(config), stop);
}

int run_window_open(const Config& config, const std::atomic<bool>& stop) {
    return ui::run(config.open_db, nullptr, &config, ui::options_of(config), stop);
}

} // namespace rm
