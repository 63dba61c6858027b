// GET /_mock/export?format=ndjson|json|har|curl&filter=EXPR&normalize=1&requests=all: the
// exporter (export/exporter.hpp) streamed as a chunked response from a read-only Reader of
// the server's own database, so memory stays constant however much is stored. The bytes are
// those `ruddermock export` writes. Errors found before streaming are 400/500 JSON; an error
// in the middle of the stream ends the connection without the final chunk (the client sees a
// truncated response).
#include "export/exporter.hpp"
#include "query/filter.hpp"
#include "server/admin.hpp"
#include "storage/reader.hpp"
#include "util/log.hpp"

#include <httplib.h>
#include <memory>

namespace rm {

namespace {
Result<bool> flag_param(const httplib::Request& req, const char* name) {
    const std::string v = req.get_param_value(name);
    if (v.empty() || v == "0" || v == "false") {
        return false;
    }
    if (v == "1" || v == "true") {
        return true;
    }
    return make_error(std::string("parameter ") + name + " must be 1 or 0");
}

struct ExportJob {
    std::unique_ptr<Reader> reader;
    ExportOptions options;
};
} // namespace

void AdminApi::export_stream(const httplib::Request& req, httplib::Response& res) {
    auto format =
        parse_export_format(req.has_param("format") ? req.get_param_value("format") : "ndjson");
    if (!format) {
        admin::send_error(res, 400, "parameter format: " + format.error().message);
        return;
    }
    auto job = std::make_shared<ExportJob>();
    job->options.format = *format;
    auto normalize = flag_param(req, "normalize");
    if (!normalize) {
        admin::send_error(res, 400, normalize.error().message);
        return;
    }
    job->options.normalize = *normalize;
    const std::string scope = req.get_param_value("requests");
    if (scope != "" && scope != "events" && scope != "all") {
        admin::send_error(res, 400, "parameter requests must be events or all");
        return;
    }
    job->options.requests = scope == "all" ? RequestScope::all : RequestScope::events;
    const std::string filter = req.get_param_value("filter");
    if (!filter.empty()) {
        if (job->options.requests == RequestScope::all) {
            admin::send_error(res, 400, "requests=all exports every request and takes no filter");
            return;
        }
        auto parsed = query::parse(filter);
        auto compiled = parsed ? query::compile(*parsed) : Result<query::Sql>(parsed.error());
        if (!compiled) {
            admin::send_error(res, 400, compiled.error().message);
            return;
        }
        job->options.filter = std::move(*compiled);
    }
    auto reader = Reader::open(m_store.path());
    if (!reader) {
        admin::send_error(res, 500, reader.error().message);
        return;
    }
    job->reader = std::move(*reader);
    res.status = 200;
    res.set_chunked_content_provider(
        std::string(export_content_type(*format)), [job](size_t, httplib::DataSink& sink) {
            auto summary = run_export(*job->reader, job->options, [&](std::string_view chunk) {
                return sink.write(chunk.data(), chunk.size());
            });
            if (!summary) {
                log::warn("/_mock/export stopped: " + summary.error().message);
                return false; // the connection closes without the final chunk
            }
            sink.done();
            return true;
        });
}

} // namespace rm
