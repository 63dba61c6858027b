// Private to the Requests tab: what requests_view.cpp (the filters and the table) and
// requests_view_detail.cpp (the selected request) share.
#pragma once

#include "requests_view.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace rm::ui {

using ordered_json = nlohmann::ordered_json; // bodies and headers keep the client's order

struct RequestsView::Parsed {
    int64_t id = 0;
    ordered_json headers;
    std::string body; // pretty JSON when it parses, else the bytes (cut for display)
    bool body_cut = false;
    bool body_is_json = false;
    std::string answer; // the response body as sent
    std::string fault_pretty;
};

namespace requests {
// A status as shown: "none" for 0 (no answer, a connection fault), else the code.
std::string status_text(int status);
} // namespace requests

} // namespace rm::ui
