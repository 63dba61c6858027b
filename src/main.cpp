// ruddermock: parse flags, start the server, wait for SIGINT/SIGTERM, shut down cleanly.
#include "app/allocator.hpp"
#include "app/config.hpp"
#include "app/server_app.hpp"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
    rm::tune_allocator(argv); // may re-execute this program once (app/allocator.hpp)
    auto config = rm::parse_args(std::vector<std::string>(argv + 1, argv + argc));
    if (!config) {
        std::cerr << "ruddermock: " << config.error().message << "\n";
        return 2;
    }
    if (config->show_help) {
        std::cout << rm::usage_text();
        return 0;
    }
    if (config->show_version) {
        std::cout << rm::version_text() << "\n";
        return 0;
    }
    rm::log::set_level(config->log_level);
    // Block the stop signals in every thread; main takes them with sigwait below.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    auto app = rm::ServerApp::create(*config);
    if (!app) {
        std::cerr << "ruddermock: " << app.error().message << "\n";
        return 2;
    }
    auto port = (*app)->start();
    if (!port) {
        std::cerr << "ruddermock: " << port.error().message << "\n";
        return 2;
    }
    if (!config->port_file.empty()) {
        std::ofstream out(config->port_file + ".tmp");
        out << *port << "\n";
        out.close();
        if (!out || std::rename((config->port_file + ".tmp").c_str(), config->port_file.c_str())) {
            std::cerr << "ruddermock: cannot write --port-file " << config->port_file << "\n";
            return 2;
        }
    }
    std::cout << "ruddermock listening on " << (*app)->url() << " (db " << (*app)->db_path()
              << ", profile " << rm::profile_name(config->profile)
              << (config->headless ? ", headless" : ", headless: this build has no window") << ")"
              << std::endl;
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::cout << "ruddermock: stopping (" << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ")"
              << std::endl;
    (*app)->stop();
    app->reset(); // flushes the store
    return 0;
}
