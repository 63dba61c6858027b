// `ruddermock verify`: do the events captured match a fixture? Pure (no database, no I/O): the
// command (src/app/cmd_verify.cpp) reads both sides and prints the report.
//
// Both sides are normalised (export/normalize.hpp), each with its own Normalizer, so an
// export without --normalize and a normalised fixture compare alike. Numbered placeholders
// ("<messageId-3>") are compared as links, not as text: on each side N only means "the Nth
// distinct value of that field", which shifts as soon as one event is missing or two users'
// events interleave differently. So values are compared with the numbers masked
// ("<messageId>"), then, over the matched pairs, the numbering must correspond one to one:
// two expected events sharing a messageId (an SDK retry) must be matched by two found events
// sharing one, and distinct ones by distinct ones. A broken link is a difference of the event
// where it breaks: "messageId: expected the same value as event 2, got another".
// The fields the gateway adds to every event (messageId when the SDK sent none, rudderId,
// receivedAt, request_ip) are compared only when the fixture has them at all, so a
// hand-written fixture need not list them.
//
// Matching (which found event is compared with which expected one):
//   default     order matters within one user (userId, else anonymousId) and type, not
//               across users. Each (user, type) group is aligned in order: equal events
//               pair; at a mismatch the aligner looks up to 32 events ahead on both sides
//               for an equal event (then the events skipped are missing or unexpected,
//               the shorter skip wins), else for an event of the same name (track event,
//               page/screen name), else pairs the two as one changed event. O(n·32).
//   any_order   order does not matter. First equal events pair (a hash of each event's
//               canonical text, the earliest found first: O(n)); then each expected event
//               left pairs with the found event left of the same type and name that has
//               the fewest differences (at most 256 candidates tried, the earliest wins
//               ties). O(n + r·256) comparisons for r events left.
// An expected event paired with none is missing, a found one paired with none unexpected.
#pragma once

#include "util/result.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rm {

// One event of either side: its JSON text and where it came from. Expected events: origin
// is the fixture's line number (NDJSON) or the element number (a JSON array), shown as
// "event N"; found events: the id in the database, shown as "id N".
struct VerifyEvent {
    std::string json;
    int64_t origin = 0;
};

// A fixture: NDJSON (one event object per line, blank lines skipped), or a JSON array of
// event objects (`export --format json`). Errors name the line: "line 7: not valid JSON",
// with "(the file ends inside it: half-written?)" for a last line without its newline.
Result<std::vector<VerifyEvent>> parse_fixture(std::string_view text);

// An --ignore path: keys joined by dots, array indexes in brackets, `*` for any key or
// element: "context.userAgent", "properties.products[0].sku", "properties.products[*].sku",
// "context.*". An error names what is wrong.
Status check_ignore_path(std::string_view path);

struct VerifyOptions {
    std::vector<std::string> ignore; // dropped from both sides before comparing
    bool any_order = false;
    size_t max_paths_per_event = 20; // further differences of one event are counted
};

struct VerifyFinding {
    enum class Kind { missing, unexpected, different };
    Kind kind = Kind::different;
    int64_t expected = 0; // origin of the expected event (0 when unexpected)
    int64_t actual = 0;   // origin of the found event (0 when missing)
    // Readable lines: "missing: event 3 (track \"Order Completed\", user \"u1\")",
    // "unexpected: id 17 (identify, user \"u2\")",
    // "event 3 (track \"Order Completed\"): properties.total: expected 10, got 12".
    std::vector<std::string> lines;
};

struct VerifyReport {
    size_t expected = 0;
    size_t found = 0;
    size_t missing = 0;
    size_t unexpected = 0;
    size_t different = 0;
    // Missing and different events in fixture order, then unexpected ones in found order.
    std::vector<VerifyFinding> findings;

    bool ok() const { return missing == 0 && unexpected == 0 && different == 0; }
    // "verify: 12 expected, 12 found, 0 missing, 0 unexpected, 1 different"
    std::string summary() const;
};

// Errors: an event that is not a JSON object ("event 3: not a JSON object", "id 9: ..."), a
// bad ignore path.
Result<VerifyReport> verify_events(const std::vector<VerifyEvent>& expected,
                                   const std::vector<VerifyEvent>& found,
                                   const VerifyOptions& options);

} // namespace rm
