// Private to src/export: what verify.cpp (matching, the report) and verify_prepare.cpp (the
// fixture, --ignore paths, preparing each side) share.
#pragma once

#include "util/result.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rm {
struct VerifyEvent;
} // namespace rm

namespace rm::verify_detail {

using Json = nlohmann::json;

// One step of an --ignore path.
struct Segment {
    std::string key;
    bool any = false;   // * or [*]
    bool index = false; // [N]
    size_t n = 0;
};

// An --ignore path as steps; an error names what is wrong.
Result<std::vector<Segment>> parse_path(std::string_view path);

// A numbered placeholder met in an event: "<messageId-3>" at path "messageId".
struct Link {
    std::string path;
    std::string kind;
    uint32_t number = 0;
};

struct Prepared {
    int64_t origin = 0;
    // Normalised, ignored paths dropped, placeholder numbers masked, compact: equal events
    // have equal text. Kept as text (parsed again only to list differences): a parsed event
    // takes several times its size.
    std::string canonical;
    std::string group; // type and user: the unit of order
    std::string name;  // type and name: the candidates of any-order matching
    std::string label; // track "Order Completed"
    std::string user;  // user "u1", anonymousId "a1"
    std::vector<Link> links;
};

// The fields the gateway adds to every event: compared only when the fixture has them (a
// hand-written fixture need not list them; their values are placeholders anyway).
constexpr const char* k_gateway_fields[] = {"messageId", "rudderId", "receivedAt", "request_ip"};
using GatewayFields = std::array<bool, std::size(k_gateway_fields)>;

// expected: records in fixture which gateway fields it has; otherwise drops those it has not.
Result<std::vector<Prepared>> prepare(const std::vector<VerifyEvent>& events,
                                      const std::vector<std::vector<Segment>>& ignore,
                                      bool expected, GatewayFields& fixture);

} // namespace rm::verify_detail
