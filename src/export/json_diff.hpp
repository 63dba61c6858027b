// Differences between two JSON values by path ("properties.total", "products[0].sku"), for
// `ruddermock verify` and the inspector's diff view. Objects are compared key by key, arrays
// index by index; scalars by value (1 and 1.0 are equal numbers).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace rm {

struct JsonDifference {
    enum class Kind { changed, only_left, only_right };
    Kind kind = Kind::changed;
    std::string path;  // "" for the root
    std::string left;  // compact JSON of the left value ("" when absent)
    std::string right; // likewise
};

// At most max differences, in key order (left's keys, then keys only right has).
std::vector<JsonDifference> json_diff(const nlohmann::json& left, const nlohmann::json& right,
                                      size_t max = 1000);

// Every path of a value with its compact JSON, in key order: the rows a side-by-side
// view lines up ("" is the root; containers are listed before their children).
std::vector<std::pair<std::string, std::string>> json_paths(const nlohmann::json& value);

} // namespace rm
