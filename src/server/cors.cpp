#include "server/cors.hpp"

#include "server/request_view.hpp"

#include <httplib.h>

namespace rm {

namespace {
bool simple_method(const std::string& m) {
    return m == "GET" || m == "POST" || m == "HEAD";
}
} // namespace

bool is_preflight(const httplib::Request& req) {
    return req.method == "OPTIONS" && find_header(req, "Access-Control-Request-Method");
}

void answer_preflight(const httplib::Request& req, httplib::Response& res) {
    res.status = 204;
    res.set_header("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    std::string method = req.get_header_value("Access-Control-Request-Method");
    if (req.has_header("Origin") && simple_method(method)) {
        res.set_header("Access-Control-Allow-Origin", req.get_header_value("Origin"));
        res.set_header("Access-Control-Allow-Methods", method);
        if (req.has_header("Access-Control-Request-Headers")) {
            res.set_header("Access-Control-Allow-Headers",
                           req.get_header_value("Access-Control-Request-Headers"));
        }
        res.set_header("Access-Control-Allow-Credentials", "true");
        res.set_header("Access-Control-Max-Age", "900");
    }
}

void add_cors_headers(const httplib::Request& req, httplib::Response& res) {
    res.set_header("Vary", "Origin");
    const std::string* origin = find_header(req, "Origin");
    if (origin && simple_method(req.method)) {
        res.set_header("Access-Control-Allow-Origin", *origin);
        res.set_header("Access-Control-Allow-Credentials", "true");
    }
}

} // namespace rm
