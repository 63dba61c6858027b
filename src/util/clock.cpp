#include "util/clock.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace rm {

int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t mono_us() {
    using namespace std::chrono;
    return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

// Both formatters run for every request; each thread keeps the text of the last second it
// formatted, so the common case is a copy (and, for milliseconds, three digits).
std::string format_rfc3339_ms(int64_t epoch_ms) {
    std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
    int millis = static_cast<int>(epoch_ms % 1000);
    if (millis < 0) {
        millis += 1000;
        secs -= 1;
    }
    thread_local std::time_t cached_secs = -1;
    thread_local std::string cached; // "YYYY-MM-DDTHH:MM:SS."
    if (cached.empty() || secs != cached_secs) {
        std::tm tm{};
        gmtime_r(&secs, &tm);
        char buf[64];
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cached = buf;
        cached_secs = secs;
    }
    std::string out;
    out.reserve(cached.size() + 4);
    out = cached;
    out.push_back(static_cast<char>('0' + millis / 100));
    out.push_back(static_cast<char>('0' + millis / 10 % 10));
    out.push_back(static_cast<char>('0' + millis % 10));
    out.push_back('Z');
    return out;
}

std::string format_http_date(int64_t epoch_ms) {
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
    if (epoch_ms % 1000 < 0) {
        secs -= 1;
    }
    thread_local std::time_t cached_secs = -1;
    thread_local std::string cached;
    if (cached.empty() || secs != cached_secs) {
        std::tm tm{};
        gmtime_r(&secs, &tm);
        char buf[64];
        std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                      tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                      tm.tm_sec);
        cached = buf;
        cached_secs = secs;
    }
    return cached;
}

namespace {
bool digits(const std::string& s, size_t pos, size_t n) {
    if (pos + n > s.size()) {
        return false;
    }
    for (size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return true;
}
} // namespace

bool looks_like_iso8601(const std::string& s) {
    // YYYY-MM-DDTHH:MM:SS[.frac][Z|+HH:MM|-HH:MM]
    if (!digits(s, 0, 4) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' ||
        !digits(s, 8, 2) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2) ||
        s[13] != ':' || !digits(s, 14, 2) || s[16] != ':' || !digits(s, 17, 2)) {
        return false;
    }
    size_t i = 19;
    if (i < s.size() && s[i] == '.') {
        size_t start = ++i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            ++i;
        }
        if (i == start) {
            return false;
        }
    }
    if (i == s.size()) {
        return true; // no zone: still ISO 8601 (local time)
    }
    if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == s.size()) {
        return true;
    }
    if ((s[i] == '+' || s[i] == '-') && digits(s, i + 1, 2)) {
        if (i + 3 == s.size()) {
            return true;
        }
        if (s[i + 3] == ':' && digits(s, i + 4, 2) && i + 6 == s.size()) {
            return true;
        }
        if (digits(s, i + 3, 2) && i + 5 == s.size()) {
            return true;
        }
    }
    return false;
}

} // namespace rm
