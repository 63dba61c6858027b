// Sorted, non-overlapping ranges of code points that the gateway's cleaning removes as
// non-printable (generated table, see scripts/gen_unicode_table.py).
#pragma once

#include <cstddef>
#include <cstdint>

namespace rm {

struct CodeRange {
    uint32_t first;
    uint32_t last;
};

extern const CodeRange k_non_printable[];
extern const size_t k_non_printable_count;

} // namespace rm
