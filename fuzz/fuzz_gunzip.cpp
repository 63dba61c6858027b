// libFuzzer target: gunzip of request bodies (util/gzip.hpp), with a small cap so bombs stop.
#include "util/gzip.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    constexpr size_t cap = 1 << 20;
    rm::DecodedBody out = rm::gunzip_bounded(in, cap);
    if (out.bytes.size() > cap) {
        std::abort(); // the cap is the point of the function
    }
    if (out.status == rm::DecodeStatus::ok) {
        // What came out goes back in and out again unchanged.
        rm::DecodedBody again = rm::gunzip_bounded(rm::gzip_compress(out.bytes, 1), cap);
        if (again.status != rm::DecodeStatus::ok || again.bytes != out.bytes) {
            std::abort();
        }
    }
    return 0;
}
