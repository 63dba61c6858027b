// The filter language's parser: text -> terms. Every error names a 1-based byte position,
// so the admin API and the inspector's filter bar can point at the mistake.
#include "query/filter.hpp"
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

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

Error error_at(size_t position, const std::string& message) {
    return make_error("filter: position " + std::to_string(position) + ": " + message);
}

struct OpText {
    size_t at = std::string_view::npos; // index in the word
    size_t size = 0;
    Op op = Op::eq;
};

// The first operator of a word; none when a quote comes first (a quote starts a value, and
// a left-hand side never holds one).
OpText find_operator(std::string_view word) {
    for (size_t i = 0; i < word.size(); ++i) {
        char c = word[i];
        char next = i + 1 < word.size() ? word[i + 1] : '\0';
        if (c == '"') {
            break;
        }
        if (c == ':') {
            return {i, 1, Op::eq};
        }
        if (c == '!' && next == '=') {
            return {i, 2, Op::ne};
        }
        if (c == '<' || c == '>') {
            bool eq = next == '=';
            return {i, eq ? 2u : 1u, c == '<' ? (eq ? Op::le : Op::lt) : (eq ? Op::ge : Op::gt)};
        }
    }
    return {};
}

// A leading comparison inside a ':' value ("id:>1000"), as for an operator.
OpText value_comparison(std::string_view value) {
    if (value.empty() || (value[0] != '<' && value[0] != '>')) {
        return {};
    }
    OpText op = find_operator(value.substr(0, 2));
    return op.at == 0 ? op : OpText{};
}

class Parser {
  public:
    explicit Parser(std::string_view text) : m_text(text) {}

    Result<Filter> run() {
        Filter filter;
        for (;;) {
            while (!at_end() && is_space(m_text[m_at])) {
                ++m_at;
            }
            if (at_end()) {
                return filter;
            }
            auto term = parse_term();
            if (!term) {
                return term.error();
            }
            filter.terms.push_back(std::move(*term));
        }
    }

  private:
    std::string_view m_text;
    size_t m_at = 0; // index of the next character

    bool at_end() const { return m_at >= m_text.size(); }
    bool at_break() const { return at_end() || is_space(m_text[m_at]); }
    size_t position() const { return m_at + 1; }

    // At an opening quote: the unescaped text up to the closing one.
    Result<std::string> quoted() {
        size_t open = position();
        std::string out;
        for (++m_at; !at_end(); ++m_at) {
            char c = m_text[m_at];
            if (c == '"') {
                ++m_at;
                return out;
            }
            // Only \" and \\ are escapes; any other backslash is kept (C:\path stays as typed).
            if (c == '\\' && m_at + 1 < m_text.size() &&
                (m_text[m_at + 1] == '"' || m_text[m_at + 1] == '\\')) {
                c = m_text[++m_at];
            }
            out += c;
        }
        return error_at(open, "unterminated quote");
    }

    Result<Term> parse_term() {
        Term t;
        t.position = position();
        if (m_text[m_at] == '-') {
            t.negated = true;
            ++m_at;
            if (at_break()) {
                return error_at(t.position, "'-' must be followed by a term (without a space)");
            }
        }
        if (m_text[m_at] == '"') {
            auto text = quoted();
            if (!text) {
                return text.error();
            }
            if (!at_break()) {
                return error_at(position(), "expected a space after the closing quote");
            }
            t.values.push_back(std::move(*text));
            return t;
        }
        size_t start = m_at;
        size_t end = start;
        while (end < m_text.size() && !is_space(m_text[end])) {
            ++end;
        }
        std::string_view word = m_text.substr(start, end - start);
        OpText op = find_operator(word);
        if (op.at == std::string_view::npos || op.at == 0) {
            // No field: a bare word of free text (":x", "<div>" and "/v1/batch" too).
            t.values.emplace_back(word);
            m_at = end;
            return t;
        }
        std::string_view left = word.substr(0, op.at);
        if (auto field = detail::field_named(left)) {
            t.field = *field;
        } else if (detail::is_json_path(left)) {
            t.field = Field::json_path;
            t.path = std::string(left);
        } else {
            return error_at(start + 1, "unknown field '" + std::string(left) +
                                           "' (expected type, event, user, anon, key, status, "
                                           "path, has, id, after, before, or a JSON path like "
                                           "properties.total)");
        }
        t.op = op.op;
        const bool dated = t.field == Field::after || t.field == Field::before;
        const bool any_op = t.field == Field::id || t.field == Field::json_path;
        if (!any_op && op.op != Op::eq && (op.op != Op::ne || dated)) {
            return error_at(start + 1, "field '" + std::string(left) + "' takes ':'" +
                                           (dated ? " only" : " or '!='") + ", not '" +
                                           std::string(word.substr(op.at, op.size)) + "'");
        }
        m_at = start + op.at + op.size;
        return parse_values(t, std::string(word.substr(0, op.at + op.size)));
    }

    // The values after the operator: one, or a comma-separated list, each bare or quoted.
    Result<Term> parse_values(Term& t, std::string op_text) {
        const bool ordered_ok = t.field == Field::id || t.field == Field::json_path;
        if (ordered_ok && t.op == Op::eq && !at_end() && m_text[m_at] != '"') {
            OpText inner = value_comparison(m_text.substr(m_at, 2));
            if (inner.at == 0) {
                t.op = inner.op;
                op_text += m_text.substr(m_at, inner.size);
                m_at += inner.size;
            }
        }
        if (at_break()) {
            return error_at(position(), "expected a value after '" + op_text + "'");
        }
        std::vector<size_t> positions;
        bool star = false;
        for (;;) {
            positions.push_back(position());
            if (m_text[m_at] == '"') {
                auto value = quoted();
                if (!value) {
                    return value.error();
                }
                t.values.push_back(std::move(*value));
            } else {
                size_t from = m_at;
                while (!at_break() && m_text[m_at] != ',') {
                    ++m_at;
                }
                if (m_at == from) {
                    return error_at(position(), "empty value in a list");
                }
                t.values.emplace_back(m_text.substr(from, m_at - from));
                star = star || t.values.back() == "*";
            }
            if (at_break()) {
                break;
            }
            if (m_text[m_at] != ',') {
                return error_at(position(), "expected a space or ',' after the closing quote");
            }
            ++m_at;
            if (at_break()) {
                return error_at(position(), "expected a value after ','");
            }
        }
        return check_values(t, positions, star, op_text);
    }

    // Field-specific value syntax, with the position of the bad value.
    static Result<Term> check_values(Term& t, const std::vector<size_t>& positions, bool star,
                                     const std::string& op_text) {
        const bool ordered = t.op != Op::eq && t.op != Op::ne;
        const bool single = ordered || t.field == Field::after || t.field == Field::before;
        if (single && t.values.size() > 1) {
            return error_at(positions[1], "'" + op_text + "' takes one value, not a list");
        }
        if (t.field == Field::json_path && star && t.values.size() == 1 && !ordered) {
            // properties.coupon:* (exists) and properties.coupon!=* (absent).
            t.negated = t.negated != (t.op == Op::ne);
            t.op = Op::exists;
            t.values.clear();
            return std::move(t);
        }
        for (size_t i = 0; i < t.values.size(); ++i) {
            const std::string& v = t.values[i];
            const std::string quoted = "'" + v + "'";
            if (t.field == Field::status && !detail::parse_status(v)) {
                return error_at(positions[i], "bad status " + quoted +
                                                  " (expected a code like 429 or a class "
                                                  "like 4xx)");
            }
            if (t.field == Field::has && !detail::parse_has(v)) {
                return error_at(positions[i],
                                "bad has " + quoted + " (expected lint, dup or fault)");
            }
            if ((t.field == Field::after || t.field == Field::before) &&
                !detail::parse_date_ms(v)) {
                return error_at(positions[i], "bad date " + quoted +
                                                  " (expected YYYY-MM-DD, optionally "
                                                  "THH:MM[:SS[.mmm]] and Z; UTC)");
            }
            if (t.field == Field::id && !detail::parse_int(v)) {
                return error_at(positions[i], "bad id comparison '" + op_text + v +
                                                  "' (expected id:N, id:>N, id:>=N, id:<N or "
                                                  "id:<=N)");
            }
        }
        return std::move(t);
    }
};

} // namespace

Result<Filter> parse(std::string_view text) {
    return Parser(text).run();
}

} // namespace rm::query
