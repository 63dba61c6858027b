// Byte-level encodings: base64, MD5, UUID formatting and random UUIDs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rm {

// Strict, padded standard base64 (RFC 4648 section 4). nullopt on any invalid input.
std::optional<std::string> base64_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);

// MD5 digest (RFC 1321) of the bytes.
std::array<uint8_t, 16> md5(std::string_view bytes);
std::string md5_hex(std::string_view bytes);

// Formats 16 bytes as 8-4-4-4-12 lower-case hex.
std::string format_uuid(const std::array<uint8_t, 16>& b);
// The gateway's rudderId: MD5 of the text with the version nibble set to 4 and the RFC 4122
// variant bits, formatted as a UUID.
std::string md5_uuid(std::string_view text);
// A random version 4 UUID (thread-safe; each thread has its own generator).
std::string random_uuid_v4();

// A 64-bit hash of text (FNV-1a with a finaliser that spreads every bit), as a signed integer
// the way SQLite stores it. Keys the messageId index and the userId/anonymousId indexes.
int64_t key_hash(std::string_view text);

} // namespace rm
