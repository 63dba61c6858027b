// The control plane's source configuration: what GET /sourceConfig answers to the browser SDK
// (@rudderstack/analytics-js v3) before it sends anything (gateway.md section 5). Pure: the
// source comes from the SourceRegistry, the answer is plain data for the gateway to send.
#pragma once

#include "protocol/sources.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace rm {

struct SourceConfigAnswer {
    int status = 200;
    std::string content_type;
    std::string body;
    std::string reason; // for the journal: "" when the configuration was served
};

// The JSON body for a known source, in the shape the SDK validates (its config manager's
// isValidSourceConfig: an object `source` with a non-null `id`, an object `config` and an
// array `destinations`; then `enabled === false` stops it with "source is disabled"):
// {"isHosted":false,"source":{"id","name","writeKey","workspaceId","enabled","config":
// {"statsCollection":{"errors":{"enabled":false},"metrics":{"enabled":false}}},
// "destinations":[...]}}. Statistics collection is off so the SDK posts nothing to
// /rsaMetrics. Destinations are served in cloud mode, so the SDK never tries to load a
// device-mode integration script from a CDN (which fails offline).
std::string source_config_json(const Source& source);

// The whole answer: `write_key` as presented ("" when none was), `source` as the registry
// knows it (nullopt = unknown key).
SourceConfigAnswer source_config_answer(std::string_view write_key,
                                        const std::optional<Source>& source);

} // namespace rm
