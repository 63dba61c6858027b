// CORS exactly as the gateway answers it (gateway.md 3.1).
#pragma once

namespace httplib {
struct Request;
struct Response;
} // namespace httplib

namespace rm {

// True for OPTIONS with Access-Control-Request-Method (a preflight).
bool is_preflight(const httplib::Request& req);
// Answers a preflight: 204, empty body, allow headers when the origin and method qualify.
void answer_preflight(const httplib::Request& req, httplib::Response& res);
// Adds Vary and, for GET/POST/HEAD with an Origin, the allow-origin headers.
void add_cors_headers(const httplib::Request& req, httplib::Response& res);

} // namespace rm
