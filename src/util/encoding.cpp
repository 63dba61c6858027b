#include "util/encoding.hpp"

#include <bit>

#include <cmath>
#include <cstring>
#include <random>

namespace rm {

// [SECTION] base64

namespace {
constexpr char k_b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}
} // namespace

std::optional<std::string> base64_decode(std::string_view in) {
    if (in.size() % 4 != 0) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(in.size() / 4 * 3);
    for (size_t i = 0; i < in.size(); i += 4) {
        const bool last = i + 4 == in.size();
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            char c = in[i + k];
            if (c == '=' && last && k >= 2) {
                v[k] = 0;
                ++pad;
                continue;
            }
            if (pad > 0) {
                return std::nullopt; // data after padding
            }
            v[k] = b64_value(c);
            if (v[k] < 0) {
                return std::nullopt;
            }
        }
        uint32_t n = (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) |
                     uint32_t(v[3]);
        out.push_back(char((n >> 16) & 0xff));
        if (pad < 2) {
            out.push_back(char((n >> 8) & 0xff));
        }
        if (pad < 1) {
            out.push_back(char(n & 0xff));
        }
    }
    return out;
}

std::string base64_encode(std::string_view in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        uint32_t n = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8) |
                     uint32_t(uint8_t(in[i + 2]));
        out.push_back(k_b64_alphabet[(n >> 18) & 63]);
        out.push_back(k_b64_alphabet[(n >> 12) & 63]);
        out.push_back(k_b64_alphabet[(n >> 6) & 63]);
        out.push_back(k_b64_alphabet[n & 63]);
    }
    size_t rest = in.size() - i;
    if (rest > 0) {
        uint32_t n = uint32_t(uint8_t(in[i])) << 16;
        if (rest == 2) {
            n |= uint32_t(uint8_t(in[i + 1])) << 8;
        }
        out.push_back(k_b64_alphabet[(n >> 18) & 63]);
        out.push_back(k_b64_alphabet[(n >> 12) & 63]);
        out.push_back(rest == 2 ? k_b64_alphabet[(n >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

// [SECTION] MD5 (RFC 1321)

namespace {
struct Md5Tables {
    uint32_t k[64];
    Md5Tables() {
        for (int i = 0; i < 64; ++i) {
            k[i] = static_cast<uint32_t>(std::floor(std::fabs(std::sin(i + 1.0)) * 4294967296.0));
        }
    }
};
constexpr int k_shift[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                             5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                             4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                             6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

uint32_t rotl(uint32_t x, int c) {
    return (x << c) | (x >> (32 - c));
}

void md5_block(uint32_t state[4], const uint8_t* block, const uint32_t* k) {
    uint32_t m[16];
    for (int i = 0; i < 16; ++i) {
        m[i] = uint32_t(block[i * 4]) | (uint32_t(block[i * 4 + 1]) << 8) |
               (uint32_t(block[i * 4 + 2]) << 16) | (uint32_t(block[i * 4 + 3]) << 24);
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    for (int i = 0; i < 64; ++i) {
        uint32_t f;
        int g;
        if (i < 16) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (i < 32) {
            f = (d & b) | (~d & c);
            g = (5 * i + 1) % 16;
        } else if (i < 48) {
            f = b ^ c ^ d;
            g = (3 * i + 5) % 16;
        } else {
            f = c ^ (b | ~d);
            g = (7 * i) % 16;
        }
        uint32_t tmp = d;
        d = c;
        c = b;
        b = b + rotl(a + f + k[i] + m[g], k_shift[i]);
        a = tmp;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
}
} // namespace

std::array<uint8_t, 16> md5(std::string_view bytes) {
    static const Md5Tables tables;
    uint32_t state[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
    size_t full = bytes.size() / 64 * 64;
    for (size_t i = 0; i < full; i += 64) {
        md5_block(state, data + i, tables.k);
    }
    uint8_t tail[128] = {};
    size_t rest = bytes.size() - full;
    if (rest > 0) {
        std::memcpy(tail, data + full, rest);
    }
    tail[rest] = 0x80;
    size_t tail_len = rest + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = uint64_t(bytes.size()) * 8;
    for (int i = 0; i < 8; ++i) {
        tail[tail_len - 8 + i] = uint8_t(bits >> (8 * i));
    }
    for (size_t i = 0; i < tail_len; i += 64) {
        md5_block(state, tail + i, tables.k);
    }
    std::array<uint8_t, 16> out{};
    for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 4; ++j) {
            out[i * 4 + j] = uint8_t(state[i] >> (8 * j));
        }
    }
    return out;
}

namespace {
void append_hex(std::string& out, uint8_t b) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 15]);
}
} // namespace

std::string md5_hex(std::string_view bytes) {
    std::string out;
    for (uint8_t b : md5(bytes)) {
        append_hex(out, b);
    }
    return out;
}

// [SECTION] UUIDs

std::string format_uuid(const std::array<uint8_t, 16>& b) {
    std::string out;
    out.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out.push_back('-');
        }
        append_hex(out, b[i]);
    }
    return out;
}

std::string md5_uuid(std::string_view text) {
    auto b = md5(text);
    b[6] = uint8_t((b[6] & 0x0f) | 0x40);
    b[8] = uint8_t((b[8] & 0x3f) | 0x80);
    return format_uuid(b);
}

std::string random_uuid_v4() {
    thread_local std::mt19937_64 gen{std::random_device{}()};
    std::array<uint8_t, 16> b{};
    uint64_t hi = gen();
    uint64_t lo = gen();
    for (int i = 0; i < 8; ++i) {
        b[i] = uint8_t(hi >> (8 * i));
        b[8 + i] = uint8_t(lo >> (8 * i));
    }
    b[6] = uint8_t((b[6] & 0x0f) | 0x40);
    b[8] = uint8_t((b[8] & 0x3f) | 0x80);
    return format_uuid(b);
}

int64_t key_hash(std::string_view text) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : text) {
        h = (h ^ c) * 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return std::bit_cast<int64_t>(h);
}

} // namespace rm
