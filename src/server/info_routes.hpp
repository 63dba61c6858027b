// The answers of routes that store no events: health, version, robots.txt and the control
// plane's /sourceConfig (the browser SDK's first request). They are journaled like any other
// request by the gateway; this file only builds what they answer.
#pragma once

#include "protocol/routes.hpp"
#include "protocol/sources.hpp"

#include <string>

namespace httplib {
struct Request;
}

namespace rm {

struct InfoAnswer {
    int status = 200;
    std::string content_type;
    std::string body;
    std::string reason;    // for the journal, "" when served normally
    std::string write_key; // /sourceConfig: the key presented, for the journal
};

// route must be one of Route::health, root, version, robots, source_config.
InfoAnswer answer_info(const RouteInfo& route, const httplib::Request& req,
                       SourceRegistry& sources);

} // namespace rm
