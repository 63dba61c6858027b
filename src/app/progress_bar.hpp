// The subcommands' progress bar on stderr (the caller draws it only when stderr is a
// terminal): "\rexport  45% [#########           ] 450000/1000000 events", at most ~10 times
// a second, and always at the end.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace rm {

class ProgressBar {
  public:
    // label: the command ("export", "replay"); unit: what is counted ("events").
    ProgressBar(const char* label, const char* unit) : m_label(label), m_unit(unit) {}

    void update(int64_t done, int64_t total) {
        auto now = std::chrono::steady_clock::now();
        if (done != total && now - m_last < std::chrono::milliseconds(100)) {
            return;
        }
        m_last = now;
        constexpr int width = 30;
        const int filled = total > 0 ? static_cast<int>(done * width / total) : width;
        const int percent = total > 0 ? static_cast<int>(done * 100 / total) : 100;
        std::string bar(static_cast<size_t>(filled), '#');
        bar.resize(width, ' ');
        std::fprintf(stderr, "\r%s %3d%% [%s] %lld/%lld %s", m_label, percent, bar.c_str(),
                     static_cast<long long>(done), static_cast<long long>(total), m_unit);
        std::fflush(stderr);
        m_drawn = true;
    }
    // Before other output: the bar's line is cleared (drawn again at the next update).
    void clear() {
        if (m_drawn) {
            std::fputs("\r\033[K", stderr);
            std::fflush(stderr);
            m_last = {};
        }
    }
    void end() {
        if (m_drawn) {
            std::fputs("\n", stderr);
        }
    }

  private:
    const char* m_label;
    const char* m_unit;
    std::chrono::steady_clock::time_point m_last{};
    bool m_drawn = false;
};

} // namespace rm
