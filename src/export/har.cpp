// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) of journaled requests.
#include "export/formats.hpp"

#include "util/clock.hpp"
#include "util/json_writer.hpp"

#include <cstdio>

namespace rm::export_detail {

namespace {

constexpr const char* k_creator_version = "0.1.0"; // as the project's version

// JsonWriter's calls, appending to the export's buffer: an entry (~2x its body) is not built
// in a string of its own first (allocating and freeing those made the heap grow and shrink
// by brk for every request).
class JsonOut {
  public:
    explicit JsonOut(std::string& out) : m_out(out) {}
    JsonOut& begin_object() { return open('{'); }
    JsonOut& end_object() { return close('}'); }
    JsonOut& begin_array() { return open('['); }
    JsonOut& end_array() { return close(']'); }
    JsonOut& key(std::string_view name) {
        separate();
        append_json_string(m_out, name);
        m_out += ':';
        m_after_key = true;
        return *this;
    }
    JsonOut& value(std::string_view text) {
        separate();
        append_json_string(m_out, text);
        return *this;
    }
    JsonOut& value(const char* text) { return value(std::string_view(text)); }
    JsonOut& value(int64_t number) {
        separate();
        m_out += std::to_string(number);
        return *this;
    }
    JsonOut& value(int number) { return value(static_cast<int64_t>(number)); }
    JsonOut& value(double number) {
        separate();
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.6g", number);
        m_out += buf;
        return *this;
    }

  private:
    void separate() {
        if (m_after_key) {
            m_after_key = false;
        } else if (!m_first) {
            m_out += ',';
        }
        m_first = false;
    }
    JsonOut& open(char c) {
        separate();
        m_out += c;
        m_first = true;
        return *this;
    }
    JsonOut& close(char c) {
        m_out += c;
        m_first = false;
        return *this;
    }
    std::string& m_out;
    bool m_first = true;
    bool m_after_key = false;
};

std::string_view status_text(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Request Entity Too Large";
    case 414:
        return "Request URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return ""; // 0: a connection fault, no answer was sent
    }
}

// The content type the gateway answered with (the journal keeps the body, not the headers).
std::string_view response_type(const RequestRecord& rec) {
    if (rec.path.rfind("/pixel/", 0) == 0 && rec.status == 200) {
        return "image/gif";
    }
    if (!rec.response_body.empty() &&
        (rec.response_body.front() == '{' || rec.response_body.front() == '[')) {
        return "application/json; charset=utf-8";
    }
    return "text/plain; charset=utf-8";
}

void name_values(JsonOut& w, const std::vector<Header>& items) {
    w.begin_array();
    for (const auto& h : items) {
        w.begin_object().key("name").value(h.name).key("value").value(h.value).end_object();
    }
    w.end_array();
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::string url_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 &&
                   hex_digit(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::vector<Header> query_string(std::string_view query) {
    std::vector<Header> out;
    while (!query.empty()) {
        size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        size_t eq = pair.find('=');
        out.push_back({url_decode(pair.substr(0, eq)), eq == std::string_view::npos
                                                           ? std::string()
                                                           : url_decode(pair.substr(eq + 1))});
    }
    return out;
}

void entry(const StoredRequest& request, Normalizer* normalizer, std::string& out) {
    const RequestRecord& rec = request.record;
    RequestView view = view_request(request, normalizer);
    const double time_ms = normalizer ? 0.0 : static_cast<double>(rec.duration_us) / 1000.0;
    JsonOut w(out);
    w.begin_object();
    w.key("startedDateTime")
        .value(normalizer ? std::string("1970-01-01T00:00:00.000Z")
                          : format_rfc3339_ms(rec.received_ms));
    w.key("time").value(time_ms);

    w.key("request").begin_object();
    w.key("method").value(rec.method);
    w.key("url").value("http://" + view.host + view.url_path);
    w.key("httpVersion").value("HTTP/1.1");
    w.key("cookies").begin_array().end_array();
    w.key("headers");
    name_values(w, view.headers);
    w.key("queryString");
    name_values(w, query_string(rec.query));
    if (!view.body().empty() || rec.method == "POST" || rec.method == "PUT" ||
        rec.method == "PATCH") {
        const Header* type = find_header(view.headers, "Content-Type");
        w.key("postData").begin_object();
        w.key("mimeType").value(type ? type->value : std::string());
        w.key("params").begin_array().end_array();
        w.key("text").value(view.body());
        if (const Header* enc = find_header(view.headers, "Content-Encoding")) {
            w.key("comment").value("sent with Content-Encoding: " + enc->value +
                                   "; text is the decoded body");
        }
        w.end_object();
    }
    w.key("headersSize").value(-1);
    w.key("bodySize").value(static_cast<int64_t>(view.body().size()));
    w.end_object();

    const std::string_view type = response_type(rec);
    w.key("response").begin_object();
    w.key("status").value(rec.status);
    w.key("statusText").value(status_text(rec.status));
    w.key("httpVersion").value("HTTP/1.1");
    w.key("cookies").begin_array().end_array();
    w.key("headers").begin_array();
    if (rec.status != 0) {
        w.begin_object().key("name").value("Content-Type").key("value").value(type).end_object();
    }
    w.end_array();
    w.key("content").begin_object();
    w.key("size").value(static_cast<int64_t>(rec.response_body.size()));
    w.key("mimeType").value(type);
    w.key("text").value(rec.response_body);
    w.end_object();
    w.key("redirectURL").value("");
    w.key("headersSize").value(-1);
    w.key("bodySize").value(static_cast<int64_t>(rec.response_body.size()));
    w.end_object();

    w.key("cache").begin_object().end_object();
    w.key("timings").begin_object();
    w.key("send").value(0).key("wait").value(time_ms).key("receive").value(0);
    w.end_object();
    if (!rec.fault_rule.empty()) {
        w.key("comment").value("ruddermock fault rule " + rec.fault_rule + ": " + rec.fault_json);
    }
    w.end_object();
}

} // namespace

Status write_har(Reader& reader, const ExportOptions& options, Output& out, Progress& progress) {
    if (progress.wanted()) {
        auto total = reader.count_requests(options.filter, options.requests);
        if (!total) {
            return total.error();
        }
        progress.start(*total);
    }
    Normalizer normalizer;
    Normalizer* norm = options.normalize ? &normalizer : nullptr;
    out.buf += R"({"log":{"version":"1.2","creator":{"name":"ruddermock","version":")";
    out.buf += k_creator_version;
    out.buf += R"("},"entries":[)";
    bool first = true;
    Status st =
        reader.each_request(options.filter, options.requests, Page{}, [&](const StoredRequest& r) {
            out.buf += first ? "\n" : ",\n";
            first = false;
            entry(r, norm, out.buf);
            progress.tick();
            return out.flush_if_full();
        });
    if (!st) {
        return st;
    }
    out.buf += first ? "]}}\n" : "\n]}}\n";
    return Ok{};
}

} // namespace rm::export_detail
