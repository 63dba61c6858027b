// The filter language's parser: text -> terms. Every error names a 1-based byte position,
// so the admin API and the inspector's filter bar can point at the mistake.
#include "query/filter.hpp"
#include "query/filter_values.hpp"

#include <optional>

namespace rm::query {

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
