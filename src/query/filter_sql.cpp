// The filter language's compiler: terms -> one SQL condition over "events AS e" (and
// "requests AS r"). The text holds only columns, operators, constants and placeholders; every
// value the user typed, JSON paths included, is in args.
#include "query/filter.hpp"
#include "query/filter_values.hpp"
#include "util/encoding.hpp"

namespace rm::query {

namespace {

Error error_at(size_t position, const std::string& message) {
    return make_error("filter: position " + std::to_string(position) + ": " + message);
}

std::string placeholders(size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        out += i == 0 ? "?" : ", ?";
    }
    return out;
}

// "column = ?" for one value, "column IN (?, ?)" for a list (both use the column's index).
std::string in_list(const std::string& column, size_t n) {
    return n == 1 ? column + " = ?" : column + " IN (" + placeholders(n) + ")";
}

// Alternatives of a list term, parenthesised so AND and NOT around them keep their meaning.
std::string any_of(const std::vector<std::string>& parts) {
    if (parts.size() == 1) {
        return parts[0];
    }
    std::string out = "(";
    for (size_t i = 0; i < parts.size(); ++i) {
        out += (i == 0 ? "" : " OR ") + parts[i];
    }
    return out + ")";
}

const char* comparison(Op op) {
    switch (op) {
    case Op::lt:
        return " < ";
    case Op::le:
        return " <= ";
    case Op::gt:
        return " > ";
    case Op::ge:
        return " >= ";
    default:
        return " = ";
    }
}

class Compiler {
  public:
    Result<Sql> run(const Filter& filter) {
        for (const Term& t : filter.terms) {
            auto cond = condition(t);
            if (!cond) {
                return cond.error();
            }
            // a!=v is -a:v: the complement of equality, so it holds when the value is absent.
            bool negate = t.negated != (t.op == Op::ne);
            m_sql.narrowed = m_sql.narrowed || (!negate && narrows(t));
            m_sql.where += m_sql.where.empty() ? "" : " AND ";
            m_sql.where += negate ? "NOT (" + *cond + ")" : *cond;
        }
        return std::move(m_sql);
    }

  private:
    Sql m_sql;

    void arg(SqlValue v) { m_sql.args.push_back(std::move(v)); }

    // Sql::narrowed: the term, not negated, selects few events through an index.
    static bool narrows(const Term& t) {
        switch (t.field) {
        case Field::user:
        case Field::anon:
            return true;
        case Field::id:
            return t.op == Op::eq || t.op == Op::ne;
        case Field::has:
            // Only has:dup has an index (partial); a list with lint or fault reads them all.
            for (const auto& v : t.values) {
                if (v != "dup") {
                    return false;
                }
            }
            return true;
        default:
            return false;
        }
    }

    // A number as a placeholder. Doubles are wrapped in CAST(? AS REAL) so that a binder
    // without a double overload (sql::Statement) can bind their exact shortest text instead.
    std::string number(const std::variant<int64_t, double>& n) {
        if (std::holds_alternative<int64_t>(n)) {
            arg(std::get<int64_t>(n));
            return "?";
        }
        arg(std::get<double>(n));
        return "CAST(? AS REAL)";
    }

    // The condition of the term without its negation (Op::ne compiles as equality here).
    Result<std::string> condition(const Term& t) {
        const bool ordered = t.op == Op::lt || t.op == Op::le || t.op == Op::gt || t.op == Op::ge;
        if (t.values.empty() && t.op != Op::exists) {
            return error_at(t.position, "expected a value");
        }
        if ((ordered || t.field == Field::after || t.field == Field::before ||
             t.field == Field::text) &&
            t.values.size() != 1) {
            return error_at(t.position, "this term takes one value, not a list");
        }
        if ((ordered || t.op == Op::exists) && t.field != Field::id &&
            t.field != Field::json_path) {
            return error_at(t.position, "only id and JSON paths compare with < <= > >= or *");
        }
        if (t.op == Op::exists && t.field == Field::id) {
            return error_at(t.position, "bad id comparison");
        }
        switch (t.field) {
        case Field::type:
            return column_list("e.type", t);
        case Field::event:
            return column_list("e.event", t);
        case Field::key:
            return column_list("e.write_key", t);
        case Field::path:
            m_sql.needs_requests = true;
            return column_list("r.path", t);
        case Field::user:
            return hashed("user_key", "e.user_id", t);
        case Field::anon:
            return hashed("anonymous_key", "e.anonymous_id", t);
        case Field::status:
            return status(t);
        case Field::has:
            return has(t);
        case Field::id:
            return id(t, ordered);
        case Field::after:
        case Field::before: {
            auto ms = detail::parse_date_ms(t.values[0]);
            if (!ms) {
                return error_at(t.position, "bad date '" + t.values[0] + "'");
            }
            arg(*ms);
            // received_ms is not indexed, but ids grow with it: newest-first pages stop early.
            return std::string(t.field == Field::after ? "e.received_ms >= ?"
                                                       : "e.received_ms < ?");
        }
        case Field::json_path:
            return json(t, ordered);
        case Field::text: {
            m_sql.indexed = false;
            TextMatch match = contains_text("e.payload", t.values[0]);
            arg(std::move(match.arg));
            return std::move(match.where);
        }
        }
        return error_at(t.position, "unknown field");
    }

    std::string column_list(const std::string& column, const Term& t) {
        for (const auto& v : t.values) {
            arg(v);
        }
        return in_list(column, t.values.size());
    }

    // user:u1 -> (<events with user_key = ?> AND e.user_id = ?): the key_hash column is
    // indexed (keyed_events), the text rules out hash collisions. Since user_key =
    // key_hash(user_id) on every row, a list can compare both columns with IN and still mean
    // "one of these users".
    std::string hashed(const std::string& key_column, const std::string& text_column,
                       const Term& t) {
        for (const auto& v : t.values) {
            arg(key_hash(v));
        }
        for (const auto& v : t.values) {
            arg(v);
        }
        size_t n = t.values.size();
        // Appended piece by piece: "(" + a temporary trips g++ 12's -Wrestrict false positive.
        std::string out = "(";
        out += keyed_events(key_column, n);
        out += " AND ";
        out += in_list(text_column, n);
        return out + ")";
    }

    Result<std::string> status(const Term& t) {
        m_sql.needs_requests = true;
        std::vector<std::string> parts;
        for (const auto& v : t.values) {
            auto s = detail::parse_status(v);
            if (!s) {
                return error_at(t.position, "bad status '" + v + "'");
            }
            // "r.status <> 200" lets SQLite use the partial index of unusual statuses.
            if (s->code != 0) {
                arg(int64_t{s->code});
                parts.push_back(s->code == 200 ? "r.status = ?"
                                               : "(r.status <> 200 AND r.status = ?)");
            } else {
                arg(int64_t{s->status_class} * 100);
                arg(int64_t{s->status_class} * 100 + 99);
                parts.push_back(s->status_class == 2
                                    ? "r.status BETWEEN ? AND ?"
                                    : "(r.status <> 200 AND r.status BETWEEN ? AND ?)");
            }
        }
        return any_of(parts);
    }

    Result<std::string> has(const Term& t) {
        std::vector<std::string> parts;
        for (const auto& v : t.values) {
            auto what = detail::parse_has(v);
            if (!what) {
                return error_at(t.position, "bad has '" + v + "'");
            }
            switch (*what) {
            case detail::HasWhat::lint:
                // Events without warnings store exactly "[]" (store.cpp lint_json).
                parts.emplace_back("e.lint <> '[]'");
                break;
            case detail::HasWhat::dup:
                parts.emplace_back("e.duplicate_of IS NOT NULL"); // a partial index
                break;
            case detail::HasWhat::fault:
                m_sql.needs_requests = true;
                parts.emplace_back("r.fault_rule IS NOT NULL"); // a partial index
                break;
            }
        }
        return any_of(parts);
    }

    Result<std::string> id(const Term& t, bool ordered) {
        for (const auto& v : t.values) {
            auto n = detail::parse_int(v);
            if (!n) {
                return error_at(t.position, "bad id comparison '" + v + "'");
            }
            arg(*n);
        }
        if (ordered) {
            return std::string("e.id") + comparison(t.op) + "?";
        }
        return in_list("e.id", t.values.size());
    }

    Result<std::string> json(const Term& t, bool ordered) {
        if (!detail::is_json_path(t.path)) {
            return error_at(t.position, "bad JSON path '" + t.path + "'");
        }
        m_sql.indexed = false;
        const std::string path = "$." + t.path;
        if (t.op == Op::exists) {
            arg(path);
            return std::string("json_type(e.payload, ?) IS NOT NULL");
        }
        if (ordered) {
            // Type first: SQLite orders every number before every text, so a bare
            // "json_extract(...) > 100" would hold for any string.
            const std::string& v = t.values[0];
            auto n = detail::parse_number(v);
            arg(path);
            arg(path);
            std::string rhs = "?";
            if (n) {
                rhs = number(*n);
            } else {
                arg(v);
            }
            return "coalesce(json_type(e.payload, ?) " +
                   std::string(n ? "IN ('integer', 'real')" : "= 'text'") +
                   " AND json_extract(e.payload, ?)" + comparison(t.op) + rhs + ", 0)";
        }
        // Every equality below is true or false, never NULL, so NOT (...) (from '-' or '!=')
        // also holds for events where the path is absent.
        std::vector<std::string> parts;
        for (const auto& v : t.values) {
            if (v == "true" || v == "false" || v == "null") {
                // The JSON literal (json_extract would give 1, 0 or NULL) or that string.
                arg(path);
                arg(v);
                arg(path);
                arg(v);
                parts.emplace_back(
                    "coalesce(json_type(e.payload, ?) = ? OR json_extract(e.payload, ?) = ?, 0)");
            } else if (auto n = detail::parse_number(v)) {
                // The number, or a string of the same text ("zip": "02139" vs zip:02139); not
                // true or false, which json_extract gives as 1 and 0.
                arg(path);
                arg(path);
                std::string lhs = number(*n);
                arg(v);
                parts.push_back("coalesce(json_type(e.payload, ?) IN ('integer', 'real', 'text') "
                                "AND json_extract(e.payload, ?) IN (" +
                                lhs + ", ?), 0)");
            } else {
                arg(path);
                arg(v);
                parts.emplace_back("json_extract(e.payload, ?) IS ?");
            }
        }
        return any_of(parts);
    }
};

} // namespace

Result<Sql> compile(const Filter& filter) {
    return Compiler().run(filter);
}

std::string keyed_events(const std::string& key_column, size_t n) {
    // Written as in the index's definition (schema.cpp, 10 -> 11) so SQLite matches it.
    static const std::string buckets =
        "(WITH RECURSIVE b(n) AS (SELECT (SELECT max(id) FROM events) >> 13 UNION ALL "
        "SELECT n - 1 FROM b WHERE n > (SELECT min(id) FROM events) >> 13) SELECT n FROM b)";
    return "e.id IN (SELECT id FROM events WHERE (id >> 13) IN " + buckets + " AND " +
           in_list(key_column, n) + ")";
}

TextMatch contains_text(const std::string& column, std::string_view text) {
    if (text.find('\0') != std::string_view::npos) {
        return {"instr(" + column + ", ?) > 0", std::string(text)};
    }
    std::string pattern = "*";
    for (char c : text) {
        if (c == '*' || c == '?' || c == '[') {
            pattern += '[';
            pattern += c;
            pattern += ']';
        } else {
            pattern += c;
        }
    }
    pattern += '*';
    return {column + " GLOB ?", std::move(pattern)};
}

} // namespace rm::query
