#include "server/dispatch.hpp"

#include "server/admin.hpp"
#include "server/cors.hpp"
#include "server/gateway.hpp"

#include <httplib.h>

namespace rm {

DispatchFn dispatch_to(AdminApi& admin, Gateway& gateway) {
    AdminApi* ad = &admin;
    Gateway* gw = &gateway;
    return [ad, gw](const httplib::Request& req, httplib::Response& res,
                    const httplib::ContentReader* reader) {
        if (AdminApi::owns(req.path)) {
            if (is_preflight(req)) {
                answer_preflight(req, res);
                return;
            }
            add_cors_headers(req, res);
            ad->handle(req, res, reader);
        } else {
            gw->handle(req, res, reader);
        }
    };
}

} // namespace rm
