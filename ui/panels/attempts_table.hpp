// The attempts of one delivery, as the Events and the Requests detail panes show them: a line
// with the outcome, then a table of request id, time, milliseconds since the previous attempt,
// status, and the fault and SDK retry headers of each. Not a panel: drawn inside a tab.
#pragma once

#include "model/records.hpp"

#include <cstdint>
#include <imgui.h>
#include <string>
#include <vector>

namespace rm::ui {

// One row as the table shows it, in words (what a test reads back).
struct AttemptRow {
    int64_t request_id = 0;
    bool mine = false;       // this_request
    std::string label;       // "#12" or "#12 (this)"
    std::string time;        // received_at
    std::string since_ms;    // milliseconds since the previous attempt ("" for the first)
    int code = 0;            // the status sent; 0 for a connection fault (no answer)
    std::string status;      // "503", or "none" for a connection fault
    std::string fault_retry; // the fault rule that fired and the SDK's retry headers
    ImVec2 min, max;         // where draw_attempts_table drew it (screen pixels)
};

// The line above the table: "2 attempts of the same events: delivered".
std::string attempts_summary(const std::vector<DeliveryAttempt>& attempts);
std::vector<AttemptRow> attempt_rows(const std::vector<DeliveryAttempt>& attempts,
                                     int64_t this_request);

// Draws the summary and the rows; this_request is marked "(this)". Other rows can be clicked:
// returns the id of the attempt clicked (never this_request), else 0.
int64_t draw_attempts_table(std::vector<AttemptRow>& rows, const std::string& summary);

} // namespace rm::ui
