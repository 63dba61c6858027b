#include "export/exporter.hpp"

#include "export/formats.hpp"

#include <algorithm>

namespace rm {

namespace export_detail {

bool Output::flush() {
    if (m_failed) {
        return false;
    }
    if (!buf.empty()) {
        m_bytes += static_cast<int64_t>(buf.size());
        if (!m_sink(buf)) {
            m_failed = true;
        }
        buf.clear();
    }
    return !m_failed;
}

void Progress::start(int64_t total) {
    m_total = total;
    if (m_fn) {
        m_fn(0, m_total);
    }
}

void Progress::finish() {
    if (m_fn) {
        m_fn(m_done, std::max(m_total, m_done));
    }
}

} // namespace export_detail

using export_detail::Output;
using export_detail::Progress;

Result<ExportFormat> parse_export_format(std::string_view name) {
    for (auto f :
         {ExportFormat::ndjson, ExportFormat::json, ExportFormat::har, ExportFormat::curl}) {
        if (name == export_format_name(f)) {
            return f;
        }
    }
    return make_error("unknown format '" + std::string(name) + "' (ndjson, json, har or curl)");
}

std::string_view export_format_name(ExportFormat format) {
    switch (format) {
    case ExportFormat::ndjson:
        return "ndjson";
    case ExportFormat::json:
        return "json";
    case ExportFormat::har:
        return "har";
    case ExportFormat::curl:
        return "curl";
    }
    return "ndjson";
}

std::string_view export_content_type(ExportFormat format) {
    switch (format) {
    case ExportFormat::ndjson:
        return "application/x-ndjson";
    case ExportFormat::json:
    case ExportFormat::har:
        return "application/json";
    case ExportFormat::curl:
        return "text/x-shellscript";
    }
    return "application/octet-stream";
}

namespace {

// ndjson and json: the stored payloads, normalised when asked.
Status write_events(Reader& reader, const ExportOptions& options, Output& out, Progress& progress) {
    if (progress.wanted()) {
        auto total = reader.count_events(options.filter);
        if (!total) {
            return total.error();
        }
        progress.start(*total);
    }
    const bool array = options.format == ExportFormat::json;
    Normalizer normalizer;
    bool first = true;
    if (array) {
        out.buf += '[';
    }
    Status st = reader.each_event(options.filter, Page{}, [&](const StoredEvent& e) {
        if (array) {
            out.buf += first ? "\n" : ",\n";
        }
        first = false;
        if (!options.normalize || !normalizer.normalize_into(e.payload_json, out.buf)) {
            out.buf += e.payload_json; // (stored payloads are valid JSON)
        }
        if (!array) {
            out.buf += '\n';
        }
        progress.tick();
        return out.flush_if_full();
    });
    if (!st) {
        return st;
    }
    if (array) {
        out.buf += first ? "]\n" : "\n]\n";
    }
    return Ok{};
}

} // namespace

Result<ExportSummary> run_export(Reader& reader, const ExportOptions& options,
                                 const ExportSink& sink, const ExportProgress& progress_fn) {
    if (options.requests == RequestScope::all && !options.filter.where.empty() &&
        (options.format == ExportFormat::har || options.format == ExportFormat::curl)) {
        return make_error("all requests (accepted or refused) are exported without a filter: "
                          "the filter selects events");
    }
    Output out(sink);
    Progress progress(progress_fn);
    Status st = reader.in_snapshot([&]() -> Status {
        switch (options.format) {
        case ExportFormat::ndjson:
        case ExportFormat::json:
            return write_events(reader, options, out, progress);
        case ExportFormat::har:
            return export_detail::write_har(reader, options, out, progress);
        case ExportFormat::curl:
            return export_detail::write_curl(reader, options, out, progress);
        }
        return Ok{};
    });
    if (!st) {
        return st.error();
    }
    if (!out.flush()) {
        return make_error("the output was closed before the export ended");
    }
    progress.finish();
    return ExportSummary{progress.done(), out.bytes()};
}

} // namespace rm
