// The event filter language, shared by the CLI (export, verify), the admin API (?filter=) and
// the inspector's filter bar. Pure: text -> AST -> parameterised SQL; no database here.
//
//   type:track,page  event:"Order Completed"  user:u1  anon:a1  key:WK1  status:4xx|429
//   path:/v1/batch  has:lint|dup|fault  id:>1000  after:2026-11-30T10:00  before:...
//   properties.total>100  context.library.name:"analytics-node"  traits.plan!=free
//   properties.coupon:*  "free text" or bare words (a substring of the event JSON)
// Terms are joined by AND; -term negates; quotes hold spaces (\" and \\ inside quotes).
//
// Meaning, where it is not obvious:
// - Any word without an operator (: != < <= > >=) is free text; a word whose left side is
//   neither a field nor a JSON path ([A-Za-z_$][A-Za-z0-9_$]* with .key and [N] steps) is an
//   error: quote it ("10:30"). So foo:bar is the JSON path foo, and http://x is too.
// - Unquoted commas make lists, meaning "any of": type:track,page, user:u1,u2, has:lint,dup,
//   traits.plan:free,pro. Comparisons (<, >, ...), after: and before: take one value.
// - Fields take ':' ('!=' is the same as a leading '-'); id and JSON paths take every
//   operator, also written after ':' (id:>1000, properties.total:>100).
// - JSON paths: a value that reads as a number compares as a number (and ':' also matches a
//   string of the same text, "02139"); true, false and null match the JSON literal or that
//   string; other values compare as strings (bytewise). <, <=, >, >= never mix kinds: a
//   number is only compared with numbers, a string with strings.
// - a!=v is exactly -a:v: it also holds when the path is absent (and -properties.total>100
//   holds for events without a numeric total). a:* means the path exists (even as null),
//   a!=* that it does not; a quoted "*" is the string.
// - after:/before: are UTC (a trailing Z is optional, offsets are not accepted) and compare
//   with events.received_ms: after is >=, before is <.
// - has:dup: a repeated messageId (duplicate_of set); has:fault: the event's request met a
//   fault rule that let it through (a delay, say: a failing fault stores no events).
#pragma once

#include "util/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace rm::query {

enum class Field {
    type,      // events.type, one of values
    event,     // events.event (the track event name, or the page/screen name)
    user,      // events.user_id
    anon,      // events.anonymous_id
    key,       // events.write_key
    status,    // the status of the event's request: "429" or a class "4xx"
    path,      // the path of the event's request
    has,       // lint | dup | fault
    id,        // events.id with a comparison
    after,     // received at or after (RFC 3339 / ISO 8601 date, optional time, UTC)
    before,    // received before
    json_path, // a dotted path into the event payload, with an operator
    text,      // a substring of the event JSON
};

enum class Op { eq, ne, lt, le, gt, ge, exists };

struct Term {
    Field field = Field::text;
    bool negated = false;
    Op op = Op::eq;
    std::string path;                // json_path only: e.g. "properties.total"
    std::vector<std::string> values; // type:a,b gives two; most fields one
    size_t position = 0;             // 1-based column of the term in the text (for messages)
};

struct Filter {
    std::vector<Term> terms; // AND
    bool empty() const { return terms.empty(); }
};

// Parses a filter expression. Errors name the 1-based byte position of the problem (the
// term, the bad value, an opening quote that is never closed, or where a missing value was
// expected): "filter: position 12: expected a value after 'type:'".
Result<Filter> parse(std::string_view text);

using SqlValue = std::variant<int64_t, double, std::string>;

// SQL over "events AS e" (and "requests AS r" joined on r.id = e.request_id when
// needs_requests is true). where is "" for an empty filter, else a boolean expression without
// the WHERE keyword; every value is in args, bound in order (never spliced into the text),
// JSON paths included ("$.properties.total"). A double is always written CAST(? AS REAL), so
// a binder without a double overload may bind its shortest round-trip text instead.
struct Sql {
    std::string where;
    std::vector<SqlValue> args;
    bool needs_requests = false;
    bool indexed = true; // false when a term needs a scan of payloads (text, json paths)
    // A term that picks few events through an index: user:, anon:, id:N (equality, lists
    // too) or has:dup, not negated. type:, event: and key: are indexed too but usually hold
    // many events each, so they do not count. The store's scan budget (storage/store.hpp)
    // leaves narrowed queries alone.
    bool narrowed = false;
};

// Checks the terms again (a Filter may be built by hand): errors as parse()'s, at the term.
Result<Sql> compile(const Filter& filter);

// Free text as SQL: "e.payload GLOB ?" with the pattern *text* (its * ? [ escaped as [*] [?]
// [[]): the same match as instr(e.payload, ?) > 0, case and all, in less than half the time
// with SQLite 3.40 (a byte loop; instr tries a memcmp and a UTF-8 boundary at every byte):
// 1M events without a match in the sqlite3 shell, 0.5-0.6 s instead of 1.3 s.
// Text holding a NUL byte (it would end the pattern) keeps instr. column: e.g. "e.payload".
struct TextMatch {
    std::string where;
    std::string arg;
};
TextMatch contains_text(const std::string& column, std::string_view text);

// Events whose key_column ("user_key" or "anonymous_key", key_hash of the id) is one of n
// bound keys, as SQL: "e.id IN (SELECT id FROM events WHERE (id >> 13) IN (<buckets>) AND
// user_key = ?)". The index (schema 11) is on (id >> 13, key): a new event lands in the
// newest bucket, so a commit dirties the few pages of that bucket's part of the index, not
// one page per distinct user as an index on the key alone did (batches of 100 users: +29%
// req/s with it dropped). A lookup seeks each bucket of 8,192 ids from the oldest stored
// event's to the newest's (bench/search.sh at 1.3M events: 2-3 ms for a user never seen, 5 ms
// for a page of one with 13,000 events); the ids come back in order, so a page of the newest
// needs no sort.
std::string keyed_events(const std::string& key_column, size_t n);

} // namespace rm::query
