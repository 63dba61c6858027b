// Comparing secrets (the admin token) without an early exit: the time taken depends on the
// lengths only, not on where the first differing byte is, so a client on the network cannot
// find the token byte by byte from the answer times.
#pragma once

#include <cstddef>
#include <string_view>

namespace rm {

inline bool constant_time_equal(std::string_view given, std::string_view expected) {
    // Every byte of the longer text is visited; a length difference alone makes it unequal.
    const size_t n = given.size() > expected.size() ? given.size() : expected.size();
    volatile unsigned char diff = given.size() == expected.size() ? 0 : 1;
    for (size_t i = 0; i < n; ++i) {
        const unsigned char a = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
        const unsigned char b = i < expected.size() ? static_cast<unsigned char>(expected[i]) : 0;
        diff = static_cast<unsigned char>(diff | (a ^ b));
    }
    return diff == 0;
}

} // namespace rm
