// Private to src/export: the output buffer and progress shared by the formats, the request
// writers (har.cpp, curl.cpp) and what they share about journaled requests.
#pragma once

#include "export/exporter.hpp"
#include "export/normalize.hpp"

#include <string>
#include <vector>

namespace rm::export_detail {

// Collects output and hands it to the sink in ~64 KiB chunks.
class Output {
  public:
    explicit Output(const ExportSink& sink) : m_sink(sink) { buf.reserve(k_chunk + 4096); }
    std::string buf; // append here, then call flush_if_full()

    // false once the sink refused a chunk (stop writing then).
    bool flush_if_full() { return buf.size() < k_chunk ? !m_failed : flush(); }
    bool flush();
    bool failed() const { return m_failed; }
    int64_t bytes() const { return m_bytes; }

  private:
    static constexpr size_t k_chunk = 64 * 1024;
    const ExportSink& m_sink;
    bool m_failed = false;
    int64_t m_bytes = 0;
};

class Progress {
  public:
    explicit Progress(const ExportProgress& fn) : m_fn(fn) {}
    bool wanted() const { return static_cast<bool>(m_fn); }
    void start(int64_t total);
    void tick() {
        if (++m_done % 1024 == 0 && m_fn) {
            m_fn(m_done, m_total);
        }
    }
    void finish();
    int64_t done() const { return m_done; }

  private:
    const ExportProgress& m_fn;
    int64_t m_total = 0;
    int64_t m_done = 0;
};

struct Header {
    std::string name;
    std::string value;
};

// A journaled request made ready for har and curl: headers (repeats as separate entries),
// host, and the body, all normalised when asked.
// Refers to the request it was made from, which must outlive it.
struct RequestView {
    std::vector<Header> headers;
    std::string host;                           // the Host header, "localhost" without one
    std::string url_path;                       // path (percent-encoded where needed) + "?query"
    const std::string* original_body = nullptr; // decoded, as journaled
    std::string normalized_body;                // when the body was normalised
    bool body_normalized = false;
    std::string_view body() const {
        return body_normalized ? std::string_view(normalized_body)
                               : std::string_view(*original_body);
    }
};
RequestView view_request(const StoredRequest& request, Normalizer* normalizer);
const Header* find_header(const std::vector<Header>& headers, std::string_view name);
bool same_name(std::string_view a, std::string_view b); // ASCII case-insensitive

Status write_har(Reader& reader, const ExportOptions& options, Output& out, Progress& progress);
Status write_curl(Reader& reader, const ExportOptions& options, Output& out, Progress& progress);

} // namespace rm::export_detail
