// Who sent a request: write key or source id checks (gateway.md section 2).
#pragma once

#include "protocol/reason.hpp"
#include "protocol/routes.hpp"
#include "protocol/sources.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace rm {

// What auth reads from a request; absent headers/parameters are nullopt.
struct AuthInput {
    std::optional<std::string> authorization;   // Authorization header
    std::optional<std::string> query_write_key; // ?writeKey=
    std::optional<std::string> source_id;       // X-Rudder-Source-Id
    std::optional<std::string> destination_id;  // X-Rudder-Destination-Id
    // Policy, not input: retl without X-Rudder-Destination-Id is refused (400) when set
    // (--retl-require-destination-id; the real gateway's is a configuration setting).
    bool destination_id_required = false;
};

struct AuthOutcome {
    Reason reason = Reason::ok;
    std::string write_key;        // as presented, also when refused (for the journal)
    std::optional<Source> source; // set when accepted
};

// The Basic-auth username, or nullopt when the header is unusable (2.1).
std::optional<std::string> basic_auth_user(std::string_view authorization);

AuthOutcome authenticate(AuthKind kind, const AuthInput& input, SourceRegistry& sources);

} // namespace rm
