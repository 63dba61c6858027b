// A count with its words: "1 event matches", "2 events match", "0 events match".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rm {

// n, a space, then one (exactly 1) or many (any other count).
inline std::string counted(size_t n, std::string_view one, std::string_view many) {
    std::string out = std::to_string(n);
    out += ' ';
    out += n == 1 ? one : many;
    return out;
}

} // namespace rm
