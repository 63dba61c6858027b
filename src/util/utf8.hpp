// Small text helpers shared by the JSON scanner, the JSON writer and the id cleaning.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rm {

// Decodes the UTF-8 sequence starting at text[i] into cp and returns its length, or 0 when it
// is not valid UTF-8 (truncated, overlong, a surrogate, or above U+10FFFF).
size_t utf8_decode(std::string_view text, size_t i, uint32_t& cp);
// Appends cp (at most U+10FFFF) encoded as UTF-8.
void append_utf8(std::string& out, uint32_t cp);
// The value of a hexadecimal digit, or -1.
int hex_digit(char c);

} // namespace rm
