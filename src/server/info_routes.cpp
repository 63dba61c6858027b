#include "server/info_routes.hpp"

#include "protocol/auth.hpp"
#include "protocol/source_config.hpp"
#include "server/request_view.hpp"
#include "util/clock.hpp"

#include <httplib.h>

namespace rm {

namespace {
// The browser SDK sends the key both ways (Basic auth and ?writeKey=); Basic auth wins, as
// it is what the control plane authenticates, and the query is the fallback for a hand-written
// configUrl or a curl.
std::string source_config_key(const httplib::Request& req) {
    if (const std::string* auth = find_header(req, "Authorization")) {
        if (auto user = basic_auth_user(*auth)) {
            return *user;
        }
    }
    return req.has_param("writeKey") ? req.get_param_value("writeKey") : std::string();
}

InfoAnswer source_config(const httplib::Request& req, SourceRegistry& sources) {
    InfoAnswer out;
    out.write_key = source_config_key(req);
    std::optional<Source> source;
    if (!out.write_key.empty()) {
        source = sources.by_write_key(out.write_key); // permissive: any key is a source
    }
    SourceConfigAnswer a = source_config_answer(out.write_key, source);
    out.status = a.status;
    out.content_type = std::move(a.content_type);
    out.body = std::move(a.body);
    out.reason = std::move(a.reason);
    return out;
}
} // namespace

InfoAnswer answer_info(const RouteInfo& route, const httplib::Request& req,
                       SourceRegistry& sources) {
    InfoAnswer out;
    switch (route.route) {
    case Route::source_config:
        return source_config(req, sources);
    case Route::robots:
        out.content_type = "text/plain; charset=utf-8";
        out.body = "User-agent: * \nDisallow: / \n";
        break;
    case Route::version:
        out.content_type = "application/json; charset=utf-8";
        out.body = R"({"Version":"ruddermock-0.1.0","Commit":"ruddermock","BuildDate":")" __DATE__
                   R"(","BuiltBy":"ruddermock","Features":[]})";
        break;
    default:
        out.content_type = "application/json; charset=utf-8";
        out.body = R"({"server":"UP","db":"UP","acceptingEvents":"TRUE","routingEvents":"TRUE",)"
                   R"("mode":"NORMAL","backendConfigMode":"JSON","lastSync":")" +
                   format_rfc3339_ms(now_ms()) + R"(","lastRegulationSync":""})";
        break;
    }
    return out;
}

} // namespace rm
