// A POSIX shell script of curl commands that replay journaled requests.
//
// Each command sends the method, the path and query against
// ${RUDDERMOCK_URL:-http://127.0.0.1:8080}, the headers except those describing the original
// connection or encoding (Host, Content-Length, Content-Encoding, Transfer-Encoding,
// Connection, Expect), and the decoded body, byte for byte: piped from the shell's printf
// builtin (no argument-size limit, unlike curl's own arguments) into --data-binary @-, inside
// single quotes; bodies with control bytes go through printf's octal escapes.
#include "export/formats.hpp"

#include "util/clock.hpp"

namespace rm::export_detail {

namespace {

// Appends 'text' for sh: a single quote becomes '\''.
void sh_quote(std::string& out, std::string_view text) {
    out += '\'';
    for (size_t start = 0;;) {
        size_t quote = text.find('\'', start);
        out.append(text.substr(start, quote - start));
        if (quote == std::string_view::npos) {
            break;
        }
        out += "'\\''";
        start = quote + 1;
    }
    out += '\'';
}

std::string sh_quote(std::string_view text) {
    std::string out;
    sh_quote(out, text);
    return out;
}

bool needs_escapes(std::string_view body) {
    for (unsigned char c : body) {
        if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f) {
            return true;
        }
    }
    return false;
}

// Appends printf's format argument printing exactly body (octal escapes for control bytes).
void printf_format(std::string& out, std::string_view body) {
    out += '\'';
    for (unsigned char c : body) {
        if (c == '%') {
            out += "%%";
        } else if (c == '\\') {
            out += "\\\\";
        } else if (c == '\'') {
            out += "'\\''";
        } else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
            out += '\\';
            out += static_cast<char>('0' + ((c >> 6) & 7));
            out += static_cast<char>('0' + ((c >> 3) & 7));
            out += static_cast<char>('0' + (c & 7));
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '\'';
}

// Comment text: a decoded path or a rule id may hold a line break, which must not end the
// comment and start a command.
std::string comment_safe(std::string text) {
    for (char& c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            c = '?';
        }
    }
    return text;
}

bool skipped_header(std::string_view name) {
    for (const char* n : {"Host", "Content-Length", "Content-Encoding", "Transfer-Encoding",
                          "Connection", "Expect"}) {
        if (same_name(name, n)) {
            return true;
        }
    }
    return false;
}

void command(const StoredRequest& request, int64_t ordinal, Normalizer* normalizer,
             std::string& out) {
    const RequestRecord& rec = request.record;
    RequestView view = view_request(request, normalizer);
    std::string note = std::to_string(ordinal) + ": " + rec.method + " " + rec.path + " -> " +
                       std::to_string(rec.status);
    if (!normalizer) {
        note += " (request " + std::to_string(request.id) + ", " +
                format_rfc3339_ms(rec.received_ms) + ")";
    }
    if (!rec.fault_rule.empty()) {
        note += ", fault rule " + rec.fault_rule;
    }
    out += "\n# " + comment_safe(std::move(note)) + "\n";
    const std::string_view body = view.body();
    const bool has_body = !body.empty();
    if (has_body && needs_escapes(body)) {
        out += "printf ";
        printf_format(out, body);
        out += " |\n  ";
    } else if (has_body) {
        out += "printf '%s' ";
        sh_quote(out, body);
        out += " |\n  ";
    }
    out += "curl -sS -w '\\n'";
    if (rec.method == "HEAD") {
        out += " -I";
    } else if (rec.method != "GET" || has_body) {
        out += " -X " + sh_quote(rec.method);
    }
    out += " \"${RUDDERMOCK_URL:-http://127.0.0.1:8080}\"" + sh_quote(view.url_path);
    bool has_type = false;
    for (const auto& h : view.headers) {
        if (skipped_header(h.name)) {
            continue;
        }
        has_type = has_type || same_name(h.name, "Content-Type");
        // "Name;" is curl's way to send a header with an empty value.
        out += " \\\n  -H " + sh_quote(h.value.empty() ? h.name + ";" : h.name + ": " + h.value);
    }
    if (has_body || (rec.method != "GET" && rec.method != "HEAD" && rec.method != "OPTIONS")) {
        if (!has_type) {
            out += " \\\n  -H 'Content-Type:'"; // curl would add a form content type
        }
        out += has_body ? " \\\n  --data-binary @-" : " \\\n  --data-binary ''";
    }
    out += '\n';
}

} // namespace

Status write_curl(Reader& reader, const ExportOptions& options, Output& out, Progress& progress) {
    if (progress.wanted()) {
        auto total = reader.count_requests(options.filter, options.requests);
        if (!total) {
            return total.error();
        }
        progress.start(*total);
    }
    Normalizer normalizer;
    Normalizer* norm = options.normalize ? &normalizer : nullptr;
    out.buf += "#!/bin/sh\n"
               "# Requests captured by ruddermock, replayed with curl. Run with\n"
               "#   RUDDERMOCK_URL=http://host:port sh this-file\n"
               "# (default http://127.0.0.1:8080). Bodies are sent decoded, gzip ones included.\n";
    if (options.normalize) {
        out.buf += "# Normalised: volatile values are placeholders (<messageId-1>, ...).\n";
    }
    int64_t ordinal = 0;
    Status st =
        reader.each_request(options.filter, options.requests, Page{}, [&](const StoredRequest& r) {
            command(r, ++ordinal, norm, out.buf);
            progress.tick();
            return out.flush_if_full();
        });
    return st;
}

} // namespace rm::export_detail
