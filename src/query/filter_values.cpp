// The filter language's value syntax (filter_values.hpp): field names, JSON paths, statuses,
// has:, dates, integers and numbers, shared by the parser and the compiler.
#include "query/filter_values.hpp"

#include <charconv>
#include <cmath>
#include <optional>

namespace rm::query {

namespace detail {

namespace {
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_ident_start(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '$';
}
bool is_ident_char(char c) {
    return is_ident_start(c) || is_digit(c);
}

// Reads exactly n digits at text[at...] as a number.
std::optional<int> digits(std::string_view text, size_t at, size_t n) {
    if (at + n > text.size()) {
        return std::nullopt;
    }
    int value = 0;
    for (size_t i = at; i < at + n; ++i) {
        if (!is_digit(text[i])) {
            return std::nullopt;
        }
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int days_in_month(int y, int m) {
    static constexpr int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : k_days[m - 1];
}
} // namespace

std::optional<Field> field_named(std::string_view name) {
    static constexpr std::pair<std::string_view, Field> k_fields[] = {
        {"type", Field::type},   {"event", Field::event},   {"user", Field::user},
        {"anon", Field::anon},   {"key", Field::key},       {"status", Field::status},
        {"path", Field::path},   {"has", Field::has},       {"id", Field::id},
        {"after", Field::after}, {"before", Field::before},
    };
    for (const auto& [text, field] : k_fields) {
        if (text == name) {
            return field;
        }
    }
    return std::nullopt;
}

bool is_json_path(std::string_view text) {
    size_t i = 0;
    auto identifier = [&] {
        if (i >= text.size() || !is_ident_start(text[i])) {
            return false;
        }
        while (i < text.size() && is_ident_char(text[i])) {
            ++i;
        }
        return true;
    };
    if (!identifier()) {
        return false;
    }
    while (i < text.size()) {
        if (text[i] == '.') {
            ++i;
            if (!identifier()) {
                return false;
            }
        } else if (text[i] == '[') {
            size_t first = ++i;
            while (i < text.size() && is_digit(text[i])) {
                ++i;
            }
            if (i == first || i >= text.size() || text[i] != ']') {
                return false;
            }
            ++i;
        } else {
            return false;
        }
    }
    return true;
}

std::optional<StatusMatch> parse_status(std::string_view text) {
    if (text.size() != 3 || text[0] < '1' || text[0] > '5') {
        return std::nullopt;
    }
    if (text.substr(1) == "xx") {
        return StatusMatch{0, text[0] - '0'};
    }
    auto code = digits(text, 0, 3);
    if (!code) {
        return std::nullopt;
    }
    return StatusMatch{*code, 0};
}

std::optional<HasWhat> parse_has(std::string_view text) {
    if (text == "lint") {
        return HasWhat::lint;
    }
    if (text == "dup") {
        return HasWhat::dup;
    }
    if (text == "fault") {
        return HasWhat::fault;
    }
    return std::nullopt;
}

std::optional<int64_t> parse_date_ms(std::string_view text) {
    auto year = digits(text, 0, 4);
    auto month = digits(text, 5, 2);
    auto day = digits(text, 8, 2);
    if (!year || !month || !day || text[4] != '-' || text[7] != '-' || *month < 1 || *month > 12 ||
        *day < 1 || *day > days_in_month(*year, *month)) {
        return std::nullopt;
    }
    int64_t ms = days_from_civil(*year, *month, *day) * 86400000;
    size_t at = 10;
    if (at < text.size() && (text[at] == 'T' || text[at] == 't' || text[at] == ' ')) {
        auto hour = digits(text, at + 1, 2);
        auto minute = digits(text, at + 4, 2);
        if (!hour || !minute || text[at + 3] != ':' || *hour > 23 || *minute > 59) {
            return std::nullopt;
        }
        ms += (*hour * 3600 + *minute * 60) * int64_t{1000};
        at += 6;
        if (at < text.size() && text[at] == ':') {
            auto second = digits(text, at + 1, 2);
            if (!second || *second > 59) {
                return std::nullopt;
            }
            ms += *second * int64_t{1000};
            at += 3;
            if (at < text.size() && text[at] == '.') {
                size_t first = ++at;
                int scale = 100;
                while (at < text.size() && is_digit(text[at]) && at - first < 3) {
                    ms += (text[at] - '0') * scale;
                    scale /= 10;
                    ++at;
                }
                if (at == first) {
                    return std::nullopt;
                }
            }
        }
    }
    if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
        ++at;
    }
    if (at != text.size()) {
        return std::nullopt;
    }
    return ms;
}

std::optional<int64_t> parse_int(std::string_view text) {
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::variant<int64_t, double>> parse_number(std::string_view text) {
    // JSON number syntax: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)? -- but leading zeros are allowed
    // ("007" is a number here) since users type what they see.
    size_t i = 0;
    bool integral = true;
    if (i < text.size() && text[i] == '-') {
        ++i;
    }
    size_t first = i;
    while (i < text.size() && is_digit(text[i])) {
        ++i;
    }
    if (i == first) {
        return std::nullopt;
    }
    if (i < text.size() && text[i] == '.') {
        integral = false;
        first = ++i;
        while (i < text.size() && is_digit(text[i])) {
            ++i;
        }
        if (i == first) {
            return std::nullopt;
        }
    }
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        integral = false;
        ++i;
        if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
            ++i;
        }
        first = i;
        while (i < text.size() && is_digit(text[i])) {
            ++i;
        }
        if (i == first) {
            return std::nullopt;
        }
    }
    if (i != text.size()) {
        return std::nullopt;
    }
    if (integral) {
        if (auto value = parse_int(text)) {
            return *value;
        }
    }
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

} // namespace detail

} // namespace rm::query
