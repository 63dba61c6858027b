// A strict, allocation-light JSON scanner for the hot path. Like the gateway (which works on
// raw bytes with gjson/sjson), events are validated once, then read and edited as text:
// the client's bytes are kept as sent and only the enriched fields are rewritten.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rm::json {

enum class Kind { object, array, string, number, boolean, null };

// True when text is exactly one RFC 8259 value (surrounding white space allowed) whose
// strings are valid UTF-8 without raw control characters, nested at most max_depth deep.
bool validate(std::string_view text, int max_depth);

// The remaining functions take text that validate() accepted.

// The value without surrounding white space.
std::string_view trim(std::string_view text);
Kind kind_of(std::string_view value);

struct Member {
    std::string_view key;   // as written between the quotes (may hold escapes)
    std::string_view value; // the raw value text
};
// Members of an object value, in order (duplicates kept).
std::vector<Member> members(std::string_view object);
// Elements of an array value, in order.
std::vector<std::string_view> elements(std::string_view array);
// Decodes a string value (with its quotes) to UTF-8. Lone surrogate escapes become U+FFFD.
std::string unescape(std::string_view string_value);
// True when a member key (as written) equals name.
bool key_is(std::string_view key, std::string_view name);

} // namespace rm::json
