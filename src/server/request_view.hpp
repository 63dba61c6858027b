// Reading what the gateway needs out of a cpp-httplib request: the journal record, the
// body (raw, bounded), the client address and the query parameters.
#pragma once

#include "model/records.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace httplib {
struct Request;
class ContentReader;
} // namespace httplib

namespace rm {

struct BodyRead {
    bool ok = true;               // false: the client went away or the bytes could not be read
    bool over_cap = false;        // the body is larger than the cap (bytes holds its start)
    std::string bytes;            // raw, still encoded
    std::string content_encoding; // as sent (the library is kept from decoding it)
    std::string content_type;
};

// The first value of a request header (names compared without case), or nullptr. A linear scan
// that compares lengths first: the library's case-insensitive map search calls tolower() for
// every character it compares (~3% of the CPU of a single-event request).
const std::string* find_header(const httplib::Request& req, std::string_view name);
// Removes every value of a header from the (library-owned, mutable) request.
void erase_header(const httplib::Request& req, std::string_view name);

// Method, path, query, headers, peer and time of the request (no body, no outcome yet). The
// values of the headers named in redact (compared without case) are written as "<redacted>".
RequestRecord journal_record(const httplib::Request& req,
                             const std::vector<std::string>& redact = {});
// Total size of the header block as sent (names, values and separators).
size_t header_bytes(const httplib::Request& req);
// Reads the raw body, stopping at cap. The library's own gzip/multipart decoding is turned
// off first so the gateway sees exactly the bytes that were sent.
BodyRead read_body(const httplib::Request& req, const httplib::ContentReader* reader, size_t cap);
// Reads and discards a body that will not be used, so a keep-alive connection stays in step.
void drain_body(const httplib::Request& req, const httplib::ContentReader* reader);
// First X-Forwarded-For entry with spaces removed, else the peer address.
std::string request_ip(const httplib::Request& req);
// Keeps the library from compressing the answer (call after journal_record).
void disable_response_compression(const httplib::Request& req);
// Decoded query parameters in order.
std::vector<std::pair<std::string, std::string>> query_params(const httplib::Request& req);

} // namespace rm
