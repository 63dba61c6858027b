#include "protocol/routes.hpp"

namespace rm {

namespace {
constexpr RouteInfo k_routes[] = {
    {Route::identify, "/v1/identify", "POST", AuthKind::basic, BodyKind::single, "identify"},
    {Route::track, "/v1/track", "POST", AuthKind::basic, BodyKind::single, "track"},
    {Route::page, "/v1/page", "POST", AuthKind::basic, BodyKind::single, "page"},
    {Route::screen, "/v1/screen", "POST", AuthKind::basic, BodyKind::single, "screen"},
    {Route::group, "/v1/group", "POST", AuthKind::basic, BodyKind::single, "group"},
    {Route::alias, "/v1/alias", "POST", AuthKind::basic, BodyKind::single, "alias"},
    {Route::merge, "/v1/merge", "POST", AuthKind::basic, BodyKind::single, "merge"},
    {Route::audiencelist, "/v1/audiencelist", "POST", AuthKind::basic, BodyKind::single,
     "audiencelist"},
    {Route::batch, "/v1/batch", "POST", AuthKind::basic, BodyKind::batch, ""},
    {Route::import, "/v1/import", "POST", AuthKind::basic, BodyKind::import, ""},
    {Route::webhook, "/v1/webhook", "GET, POST", AuthKind::webhook, BodyKind::webhook, ""},
    {Route::beacon, "/beacon/v1/batch", "POST", AuthKind::beacon_query, BodyKind::batch, ""},
    {Route::pixel_track, "/pixel/v1/track", "GET", AuthKind::pixel_query, BodyKind::pixel, "track"},
    {Route::pixel_page, "/pixel/v1/page", "GET", AuthKind::pixel_query, BodyKind::pixel, "page"},
    {Route::extract, "/internal/v1/extract", "POST", AuthKind::basic, BodyKind::single, "extract"},
    {Route::retl, "/internal/v1/retl", "POST", AuthKind::retl_source, BodyKind::batch, ""},
    {Route::replay, "/internal/v1/replay", "POST", AuthKind::replay_source, BodyKind::batch, ""},
    {Route::internal_audiencelist, "/internal/v1/audiencelist", "POST", AuthKind::basic,
     BodyKind::single, "audiencelist"},
    {Route::internal_batch, "/internal/v1/batch", "POST", AuthKind::none, BodyKind::internal_batch,
     ""},
    {Route::health, "/health", "GET", AuthKind::none, BodyKind::none, ""},
    {Route::root, "/", "GET", AuthKind::none, BodyKind::none, ""},
    {Route::version, "/version", "GET", AuthKind::none, BodyKind::none, ""},
    {Route::robots, "/robots.txt", "GET", AuthKind::none, BodyKind::none, ""},
    // The control plane (configUrl) on the same port, both spellings the SDKs use. Its write
    // key (Basic auth or ?writeKey=) is read by the route itself: unknown keys get the control
    // plane's answer, not the gateway's 401.
    {Route::source_config, "/sourceConfig/", "GET, HEAD", AuthKind::none, BodyKind::none, ""},
    {Route::source_config, "/sourceConfig", "GET, HEAD", AuthKind::none, BodyKind::none, ""},
};
} // namespace

std::optional<RouteInfo> find_route(std::string_view path) {
    for (const auto& r : k_routes) {
        if (r.path == path) {
            return r;
        }
    }
    return std::nullopt;
}

bool method_allowed(const RouteInfo& info, std::string_view method) {
    // Exact tokens of the Allow list; HEAD is deliberately not treated as GET.
    std::string_view allow = info.allow;
    size_t start = 0;
    while (start < allow.size()) {
        size_t comma = allow.find(',', start);
        std::string_view token =
            allow.substr(start, comma == std::string_view::npos ? comma : comma - start);
        while (!token.empty() && token.front() == ' ') {
            token.remove_prefix(1);
        }
        if (token == method) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
    return false;
}

} // namespace rm
