// The gateway's string cleaning for ids and messageIds (gateway.md 4.3).
#pragma once

#include <string>
#include <string_view>

namespace rm {

// Removes every non-printable and every "invisible" code point, then trims spaces.
// Input must be valid UTF-8 (it comes from parsed JSON); invalid bytes are dropped.
std::string clean_string(std::string_view text);

// True when the code point is printable in the gateway's sense (letters, marks, numbers,
// punctuation, symbols, ASCII space).
bool is_printable(uint32_t code_point);
// True for the invisible characters the gateway removes even though they may be printable.
bool is_invisible(uint32_t code_point);

} // namespace rm
