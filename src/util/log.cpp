#include "util/log.hpp"

#include <atomic>
#include <cstdio>
#include <string>

namespace rm::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::info)};
const char* name_of(Level level) {
    switch (level) {
    case Level::debug:
        return "debug";
    case Level::info:
        return "info";
    case Level::warn:
        return "warn";
    case Level::error:
        return "error";
    case Level::off:
        break;
    }
    return "off";
}
} // namespace

void set_level(Level level) {
    g_level.store(static_cast<int>(level));
}
Level level() {
    return static_cast<Level>(g_level.load());
}

bool parse_level(std::string_view name, Level& out) {
    for (int i = 0; i <= static_cast<int>(Level::off); ++i) {
        if (name == name_of(static_cast<Level>(i))) {
            out = static_cast<Level>(i);
            return true;
        }
    }
    return false;
}

void write(Level lvl, std::string_view message) {
    if (static_cast<int>(lvl) < g_level.load() || lvl == Level::off) {
        return;
    }
    // One fwrite per line keeps lines from interleaving across threads.
    std::string line = std::string("ruddermock [") + name_of(lvl) + "] ";
    line.append(message);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace rm::log
