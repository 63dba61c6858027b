// Where every request goes: paths under /_mock/ to the admin API, with CORS (preflights
// answered here), everything else to the gateway. Shared by the server (ServerApp::start) and
// the HTTP fuzzer (fuzz/fuzz_http.cpp), so both route alike.
#pragma once

#include "server/http_server.hpp"

namespace rm {

class AdminApi;
class Gateway;

// Both must outlive the returned function.
DispatchFn dispatch_to(AdminApi& admin, Gateway& gateway);

} // namespace rm
