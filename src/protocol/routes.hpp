// The gateway's route table (gateway.md section 1).
#pragma once

#include <optional>
#include <string_view>

namespace rm {

enum class Route {
    identify,
    track,
    page,
    screen,
    group,
    alias,
    merge,
    audiencelist,
    batch,
    import,
    webhook,
    beacon,
    pixel_track,
    pixel_page,
    extract,
    retl,
    replay,
    internal_audiencelist,
    internal_batch,
    health,
    root,
    version,
    robots,
    source_config, // the control plane's GET /sourceConfig (browser SDK), key read by itself
};

// How a route identifies its source.
enum class AuthKind { none, basic, beacon_query, pixel_query, webhook, retl_source, replay_source };

// What the body of a route holds.
enum class BodyKind { none, single, batch, import, internal_batch, webhook, pixel };

struct RouteInfo {
    Route route;
    std::string_view path;
    std::string_view allow; // methods, as sent in the Allow header of a 405
    AuthKind auth;
    BodyKind body;
    std::string_view event_type; // for single-event routes
};

// Exact-path lookup; nullopt means 404 (a trailing slash is another path).
std::optional<RouteInfo> find_route(std::string_view path);
bool method_allowed(const RouteInfo& info, std::string_view method);

} // namespace rm
