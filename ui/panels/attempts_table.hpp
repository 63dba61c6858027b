// The attempts of one delivery, as the Events and the Requests detail panes show them: a line
// with the outcome, then a table of request id, time, milliseconds since the previous attempt,
// status, and the fault and SDK retry headers of each. Not a panel: drawn inside a tab.
#pragma once

#include "model/records.hpp"

#include <cstdint>
#include <vector>

namespace rm::ui {

// Draws the table; this_request is marked "(this)". With selectable, rows can be clicked:
// returns the id of the attempt clicked (never this_request), else 0.
int64_t draw_attempts_table(const std::vector<DeliveryAttempt>& attempts, int64_t this_request,
                            bool selectable);

} // namespace rm::ui
