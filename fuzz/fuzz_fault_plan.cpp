// libFuzzer target: the fault-plan parser (faults/fault_plan.hpp). A plan it accepts must be
// written back as JSON that parses again to the same JSON; the flag parsers take the same bytes.
#include "faults/fault_plan.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto plan = rm::parse_fault_plan(text)) {
        std::string json = rm::fault_plan_json(*plan);
        auto again = rm::parse_fault_plan(json);
        if (!again || rm::fault_plan_json(*again) != json) {
            std::abort();
        }
    }
    (void)rm::parse_fail_flag(text);
    (void)rm::parse_delay_flag(text);
    if (size > 0) {
        // A route glob against a path: the first byte says where the pattern ends.
        size_t split = data[0] % size;
        (void)rm::route_matches(text.substr(1, split), text.substr(1 + split));
    }
    return 0;
}
