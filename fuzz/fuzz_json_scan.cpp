// libFuzzer target: the JSON scanner (protocol/json_scan.hpp). validate() must never crash on
// any bytes; on text it accepts, every reader (members, elements, unescape, kind_of) must be
// safe too, recursively.
#include "protocol/json_scan.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {
void walk(std::string_view value, int depth) {
    using rm::json::Kind;
    switch (rm::json::kind_of(value)) {
    case Kind::object:
        for (const auto& m : rm::json::members(value)) {
            (void)rm::json::key_is(m.key, "type");
            walk(m.value, depth + 1);
        }
        break;
    case Kind::array:
        for (auto e : rm::json::elements(value)) {
            walk(e, depth + 1);
        }
        break;
    case Kind::string:
        (void)rm::json::unescape(value);
        break;
    default:
        break;
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (rm::json::validate(text, 32)) {
        walk(rm::json::trim(text), 0);
    }
    return 0;
}
