#include "util/gzip.hpp"

#include <zlib.h>

namespace rm {

bool is_gzip_encoding(std::string_view value) {
    return value == "gzip";
}

DecodedBody gunzip_bounded(std::string_view in, size_t cap) {
    DecodedBody out;
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        out.status = DecodeStatus::bad_gzip;
        return out;
    }
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    char buf[64 * 1024];
    bool ended = false;
    for (;;) {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        int rc = inflate(&zs, Z_NO_FLUSH);
        size_t produced = sizeof buf - zs.avail_out;
        if (out.bytes.size() + produced > cap) {
            out.bytes.append(buf, cap - out.bytes.size());
            out.status = DecodeStatus::over_cap;
            break;
        }
        out.bytes.append(buf, produced);
        if (rc == Z_STREAM_END) {
            ended = true;
            if (zs.avail_in == 0) {
                break;
            }
            // Another gzip member follows (concatenated streams are valid gzip).
            ended = false;
            inflateReset(&zs);
            continue;
        }
        if (rc != Z_OK && !(rc == Z_BUF_ERROR && zs.avail_in > 0)) {
            out.status = DecodeStatus::bad_gzip;
            break;
        }
        if (zs.avail_in == 0 && produced == 0) {
            out.status = DecodeStatus::bad_gzip; // truncated stream
            break;
        }
    }
    if (out.status == DecodeStatus::ok && !ended) {
        out.status = DecodeStatus::bad_gzip;
    }
    inflateEnd(&zs);
    return out;
}

std::string gzip_compress(std::string_view bytes, int level) {
    z_stream zs{};
    deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    zs.avail_in = static_cast<uInt>(bytes.size());
    std::string out;
    char buf[64 * 1024];
    int rc;
    do {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        rc = deflate(&zs, Z_FINISH);
        out.append(buf, sizeof buf - zs.avail_out);
    } while (rc == Z_OK);
    deflateEnd(&zs);
    return out;
}

} // namespace rm
