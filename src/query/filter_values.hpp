// Value syntax of the filter language, shared by the parser (which rejects bad values with a
// position) and the compiler (which re-checks terms built by hand, not only parsed ones).
// Internal to src/query.
#pragma once

#include "query/filter.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

namespace rm::query::detail {

// The field a left-hand side names ("type", "event", ...); nullopt for anything else.
std::optional<Field> field_named(std::string_view name);
// [A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*|\[[0-9]+\])*
bool is_json_path(std::string_view text);

// status:429 gives code 429; status:4xx gives class 4.
struct StatusMatch {
    int code = 0;
    int status_class = 0;
};
std::optional<StatusMatch> parse_status(std::string_view text);

enum class HasWhat { lint, dup, fault };
std::optional<HasWhat> parse_has(std::string_view text);

// YYYY-MM-DD, optional [T or space]HH:MM[:SS[.m{1,3}]], optional Z; UTC. Epoch milliseconds.
std::optional<int64_t> parse_date_ms(std::string_view text);

// A whole decimal integer ("-12", "1000"), nothing else.
std::optional<int64_t> parse_int(std::string_view text);

// A JSON-style number: an integer that fits int64 gives int64, any other finite number double.
std::optional<std::variant<int64_t, double>> parse_number(std::string_view text);

} // namespace rm::query::detail
