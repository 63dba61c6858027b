// The exporter: captured events and requests out of a database, as files other tools read.
// One implementation for the CLI (`ruddermock export`), the admin API (GET /_mock/export) and
// the inspector. Streams: rows are read one at a time from a Reader and written to a sink in
// chunks, so memory stays constant however many events are stored (with --normalize, plus the
// placeholder numbering: export/normalize.hpp).
//
// Formats:
//   ndjson  one stored event per line, the payload as stored (the enriched event)
//   json    an array of the same, one event per line
//   har     HAR 1.2 of the requests (see RequestScope): request with the decoded body, the
//           answer, timings from the journal
//   curl    a #!/bin/sh script of curl commands replaying the requests against
//           ${RUDDERMOCK_URL:-http://127.0.0.1:8080}, bodies sent decoded and byte-exact
// normalize: events (and request bodies in har/curl) become fixtures that diff cleanly across
// runs (normalize.hpp). In har/curl it also replaces the volatile headers (Date, SentAt,
// AnonymousId, User-Agent, Host, Content-Length follows the new body) and, in har, the times
// (startedDateTime 1970-01-01T00:00:00.000Z, time and wait 0).
// Order is the id order; the whole export reads one snapshot of the database.
#pragma once

#include "query/filter.hpp"
#include "storage/reader.hpp"
#include "util/result.hpp"

#include <cstdint>
#include <functional>
#include <string_view>

namespace rm {

enum class ExportFormat { ndjson, json, har, curl };

// "ndjson", "json", "har", "curl"; an error naming the choices otherwise.
Result<ExportFormat> parse_export_format(std::string_view name);
std::string_view export_format_name(ExportFormat format);
// application/x-ndjson, application/json (json and har), text/x-shellscript.
std::string_view export_content_type(ExportFormat format);

struct ExportOptions {
    ExportFormat format = ExportFormat::ndjson;
    query::Sql filter; // from query::compile; empty = every event
    bool normalize = false;
    // har and curl: the requests that carried the selected events, or every journaled request
    // (accepted or refused; only without a filter). ndjson and json ignore it.
    RequestScope requests = RequestScope::events;
};

// Receives the output in order, in chunks of up to ~64 KiB, never empty. Returning false
// stops the export (the reader went away); it then ends with an error.
using ExportSink = std::function<bool(std::string_view chunk)>;
// (done, total) rows (events, or requests for har/curl): at the start, every 1024 rows and
// at the end. When set, total is counted first (one more query on the same snapshot).
using ExportProgress = std::function<void(int64_t done, int64_t total)>;

struct ExportSummary {
    int64_t rows = 0;  // events or requests written
    int64_t bytes = 0; // given to the sink
};

Result<ExportSummary> run_export(Reader& reader, const ExportOptions& options,
                                 const ExportSink& sink, const ExportProgress& progress = {});

} // namespace rm
