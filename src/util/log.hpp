// Minimal levelled logging to stderr. Thread-safe: each line is written with one call.
#pragma once

#include <string_view>

namespace rm::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

// Sets the lowest level that is printed (default info). Safe to call at any time.
void set_level(Level level);
Level level();
// Parses "debug|info|warn|error|off"; returns false on an unknown name.
bool parse_level(std::string_view name, Level& out);

void write(Level level, std::string_view message);
inline void debug(std::string_view m) {
    write(Level::debug, m);
}
inline void info(std::string_view m) {
    write(Level::info, m);
}
inline void warn(std::string_view m) {
    write(Level::warn, m);
}
inline void error(std::string_view m) {
    write(Level::error, m);
}

} // namespace rm::log
