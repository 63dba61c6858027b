// Why the gateway answered a request the way it did, in plain words for a developer: what
// the journal's reason (protocol/reason.cpp wording, or "fault 'ID': ..." for an injected
// fault) means and what to change in the SDK set-up or the mock's flags.
#pragma once

#include <string>

namespace rm {

// status and reason as journaled (reason "" for success); fault_json is the journal's
// {"rule","status","delay_ms","connection"} or "" when no fault rule fired.
std::string plain_reason(int status, const std::string& reason, const std::string& fault_json);

} // namespace rm
