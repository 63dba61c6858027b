// gzip for request bodies (gateway.md 4.1: gunzip only for "Content-Encoding: gzip", with
// inflating cut off at a hard cap so a gzip bomb cannot exhaust memory) and for the store's
// compressed journal bodies.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rm {

enum class DecodeStatus { ok, bad_gzip, over_cap };

struct DecodedBody {
    DecodeStatus status = DecodeStatus::ok;
    std::string bytes; // the decoded body (up to the cap when over_cap)
};

// True only for the exact header value "gzip" (one value, lower case).
bool is_gzip_encoding(std::string_view content_encoding);

// Inflates one or more concatenated gzip members. Stops as soon as the output would pass cap.
DecodedBody gunzip_bounded(std::string_view compressed, size_t cap);

// Compresses with gzip; level 1 (fast) to 9 (small), -1 = zlib's default.
std::string gzip_compress(std::string_view bytes, int level = -1);

} // namespace rm
