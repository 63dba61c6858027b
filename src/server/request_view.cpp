#include "server/request_view.hpp"

#include "util/clock.hpp"
#include "util/json_writer.hpp"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <httplib.h>
#include <iterator>

namespace rm {

namespace {
bool same_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x != y && ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z')) {
            return false;
        }
    }
    return true;
}
} // namespace

const std::string* find_header(const httplib::Request& req, std::string_view name) {
    for (const auto& [key, value] : req.headers) {
        if (same_name(key, name)) {
            return &value;
        }
    }
    return nullptr;
}

void erase_header(const httplib::Request& req, std::string_view name) {
    auto& headers = const_cast<httplib::Request&>(req).headers;
    for (auto it = headers.begin(); it != headers.end();) {
        it = same_name(it->first, name) ? headers.erase(it) : std::next(it);
    }
}

namespace {
// cpp-httplib adds these to the request's headers; they were never sent by the client.
bool is_pseudo_header(const std::string& name) {
    return name == "LOCAL_ADDR" || name == "LOCAL_PORT" || name == "REMOTE_ADDR" ||
           name == "REMOTE_PORT";
}

// HTTP/1.1: a request without Content-Length or Transfer-Encoding has no body. (The library
// would read until the client closes, stalling the answer.)
bool has_body(const httplib::Request& req) {
    return find_header(req, "Content-Length") || find_header(req, "Transfer-Encoding");
}
// Reads the body as sent, chunk by chunk. The reader decodes gzip/deflate/br by
// Content-Encoding and parses multipart bodies by Content-Type; the gateway must see the raw
// bytes (it decodes exactly "gzip" itself), so those two headers are taken out of the request
// first. The request object is owned by the library, not const, and lives until the response
// is written.
bool read_raw(const httplib::Request& req, const httplib::ContentReader& reader,
              const std::function<void(const char*, size_t)>& on_chunk) {
    erase_header(req, "Content-Encoding");
    const std::string* type = find_header(req, "Content-Type");
    if (type && type->rfind("multipart/form-data", 0) == 0) { // as is_multipart_form_data()
        erase_header(req, "Content-Type");
    }
    return reader([&](const char* data, size_t len) {
        on_chunk(data, len);
        return true; // always read on, so the connection stays in step for the next request
    });
}
} // namespace

RequestRecord journal_record(const httplib::Request& req, const std::vector<std::string>& redact) {
    RequestRecord rec;
    rec.received_ms = now_ms();
    rec.method = req.method;
    rec.path = req.path;
    if (size_t q = req.target.find('?'); q != std::string::npos) {
        rec.query = req.target.substr(q + 1);
    }
    // Headers as an object; a repeated header becomes an array of its values. The library
    // keeps headers in a case-insensitive multimap, so repeats are adjacent: a run ends where
    // the map's own order says the next name is greater (one compare per header, instead of
    // a search from the root for each).
    const auto less = req.headers.key_comp();
    JsonWriter w;
    w.begin_object();
    for (auto it = req.headers.begin(); it != req.headers.end();) {
        auto first = it;
        auto last = std::next(first);
        while (last != req.headers.end() && !less(first->first, last->first)) {
            ++last;
        }
        it = last;
        if (is_pseudo_header(first->first)) {
            continue;
        }
        w.key(first->first);
        const bool hidden = std::any_of(redact.begin(), redact.end(), [&](const std::string& n) {
            return same_name(n, first->first);
        });
        if (std::next(first) == last) {
            w.value(hidden ? std::string_view("<redacted>") : std::string_view(first->second));
            continue;
        }
        w.begin_array();
        for (auto v = first; v != last; ++v) {
            w.value(hidden ? std::string_view("<redacted>") : std::string_view(v->second));
        }
        w.end_array();
    }
    w.end_object();
    rec.headers_json = w.take();
    rec.peer = req.remote_addr;
    return rec;
}

size_t header_bytes(const httplib::Request& req) {
    size_t total = 0;
    for (const auto& [name, value] : req.headers) {
        if (is_pseudo_header(name)) {
            continue;
        }
        total += name.size() + value.size() + 4; // ": " and CRLF
    }
    return total;
}

BodyRead read_body(const httplib::Request& req, const httplib::ContentReader* reader, size_t cap) {
    BodyRead out;
    const std::string* encoding = find_header(req, "Content-Encoding");
    const std::string* type = find_header(req, "Content-Type");
    out.content_encoding = encoding ? *encoding : std::string();
    out.content_type = type ? *type : std::string();
    if (!reader || !has_body(req)) {
        out.bytes = req.body.substr(0, cap);
        out.over_cap = req.body.size() > cap;
        return out;
    }
    // Beyond the cap the rest is read and discarded: memory stays bounded by the cap. (A
    // Content-Length above the cap is skipped by the library itself in the same way.)
    if (const std::string* length = find_header(req, "Content-Length");
        length && std::strtoull(length->c_str(), nullptr, 10) > cap) {
        out.over_cap = true;
    }
    bool ok = read_raw(req, *reader, [&](const char* data, size_t len) {
        size_t room = cap - out.bytes.size();
        if (len > room) {
            out.over_cap = true;
        }
        out.bytes.append(data, std::min(len, room));
    });
    out.ok = ok || out.over_cap;
    return out;
}

void drain_body(const httplib::Request& req, const httplib::ContentReader* reader) {
    if (reader && has_body(req)) {
        read_raw(req, *reader, [](const char*, size_t) {});
    }
}

std::string request_ip(const httplib::Request& req) {
    const std::string* forwarded = find_header(req, "X-Forwarded-For");
    std::string xff = forwarded ? *forwarded : std::string();
    if (!xff.empty()) {
        std::string first = xff.substr(0, xff.find(','));
        std::string out;
        for (char c : first) {
            if (c != ' ') {
                out.push_back(c);
            }
        }
        return out;
    }
    return req.remote_addr;
}

std::vector<std::pair<std::string, std::string>> query_params(const httplib::Request& req) {
    // httplib keeps params in a multimap (sorted by name); the order within a name is kept.
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [name, value] : req.params) {
        out.emplace_back(name, value);
    }
    return out;
}

} // namespace rm

namespace rm {

void disable_response_compression(const httplib::Request& req) {
    // The library gzips text and JSON answers for clients that accept it; the gateway never
    // does. Same ownership argument as in read_body.
    erase_header(req, "Accept-Encoding");
}

} // namespace rm
