#include "protocol/clean.hpp"

#include "protocol/unicode_table.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <cstdint>

namespace rm {

bool is_printable(uint32_t cp) {
    const CodeRange* begin = k_non_printable;
    const CodeRange* end = k_non_printable + k_non_printable_count;
    // First range whose last >= cp.
    const CodeRange* it =
        std::lower_bound(begin, end, cp, [](const CodeRange& r, uint32_t v) { return r.last < v; });
    return it == end || cp < it->first;
}

bool is_invisible(uint32_t cp) {
    switch (cp) {
    case 0x09:
    case 0xA0:
    case 0xAD:
    case 0x34F:
    case 0x61C:
    case 0x115F:
    case 0x1160:
    case 0x17B4:
    case 0x17B5:
    case 0x180E:
    case 0x202F:
    case 0x2800:
    case 0x3000:
    case 0x3164:
    case 0xFEFF:
    case 0xFFA0:
        return true;
    default:
        break;
    }
    return (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x205F && cp <= 0x2064) ||
           (cp >= 0x206A && cp <= 0x206F);
}

std::string clean_string(std::string_view text) {
    // Fast path: printable ASCII (the usual id) only needs trimming.
    bool ascii = true;
    for (char c : text) {
        ascii = ascii && c >= 0x20 && c <= 0x7E;
    }
    if (ascii) {
        size_t first = text.find_first_not_of(' ');
        if (first == std::string_view::npos) {
            return {};
        }
        return std::string(text.substr(first, text.find_last_not_of(' ') - first + 1));
    }
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        uint32_t cp = 0;
        size_t n = utf8_decode(text, i, cp);
        if (n == 0) {
            ++i;
            continue;
        }
        if (is_printable(cp) && !is_invisible(cp)) {
            out.append(text.substr(i, n));
        }
        i += n;
    }
    // Only the ASCII space can remain as white space after the removal above.
    size_t first = out.find_first_not_of(' ');
    if (first == std::string::npos) {
        return {};
    }
    size_t last = out.find_last_not_of(' ');
    return out.substr(first, last - first + 1);
}

} // namespace rm
