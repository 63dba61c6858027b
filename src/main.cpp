// ruddermock: parse flags, start the server (and the window, when there is a display and
// the build has one), run until SIGINT/SIGTERM or the window closes, shut down cleanly.
#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/server_app.hpp"
#include "app/window_frontend.hpp"

#include <atomic>
#include <csignal>
#include <iostream>
#include <thread>

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (auto code = rm::run_subcommand(args)) { // export, verify, replay
        return *code;
    }
    auto config = rm::parse_args(args);
    if (!config) {
        std::cerr << "ruddermock: " << config.error().message << "\n";
        return 2;
    }
    if (config->show_help || config->show_version) {
        std::cout << (config->show_help ? rm::usage_text() : rm::version_text() + "\n");
        return 0;
    }
    rm::log::set_level(config->log_level);
    // The stop signals are blocked in every thread and taken by one watcher thread.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGXFSZ, SIG_IGN); // past RLIMIT_FSIZE a write fails (EFBIG): a 5xx, not death
    std::atomic<bool> stop{false};
    int sig = 0;
    std::thread watcher([&] {
        sigwait(&stop_signals, &sig);
        stop = true;
    });
    auto finish = [&](int code) {
        if (!stop.exchange(true)) {
            pthread_kill(watcher.native_handle(), SIGTERM); // ends its sigwait
        }
        watcher.join();
        return code;
    };
    const std::string no_window = config->headless ? "headless" : rm::window_unavailable(*config);
    if (!config->open_db.empty()) { // a captured database, read-only, no server
        if (const std::string why = rm::window_unavailable(*config); !why.empty()) {
            std::cerr << "ruddermock: --open needs a window (" << why << ")"
                      << "; read the file with 'ruddermock export --db " << config->open_db
                      << "' or serve with --headless\n";
            return finish(2);
        }
        return finish(rm::run_window_open(*config, stop));
    }
    auto app = rm::ServerApp::create(*config);
    auto port = app ? (*app)->start() : rm::Result<int>(app.error());
    if (!port || !(*app)->write_port_file(config->port_file)) {
        std::cerr << "ruddermock: " << (!port ? port.error().message : "cannot write --port-file")
                  << "\n";
        return finish(2);
    }
    std::cout << "ruddermock listening on " << (*app)->url() << " (db " << (*app)->db_path()
              << ", profile " << rm::profile_name(config->profile) << ", "
              << (no_window.empty() ? "window" : no_window) << ")" << std::endl;
    if (const std::string warning = rm::open_admin_warning(*config); !warning.empty()) {
        std::cerr << "ruddermock: " << warning << std::endl;
    }
    int code = 0;
    if (no_window.empty()) {
        code = rm::run_window_live(**app, *config, stop);
    } else {
        watcher.join(); // until SIGINT/SIGTERM
        watcher = std::thread([] {});
    }
    std::cout << "ruddermock: stopping ("
              << (sig == SIGINT    ? "SIGINT"
                  : sig == SIGTERM ? "SIGTERM"
                                   : "window closed")
              << ")" << std::endl;
    (*app)->stop();
    app->reset(); // flushes the store
    return finish(code);
}
