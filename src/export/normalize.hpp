// Normalisation of captured events into fixtures that diff cleanly across runs: the values an
// SDK or the server makes up anew on every run become stable placeholders, keys are sorted.
// Pure (no database, no I/O); used by `ruddermock export --normalize` and `ruddermock verify`.
//
// Volatile fields, matched as object keys at any depth (top level, context.*, batch items,
// properties too: a property named timestamp is treated like the SDK's):
//   messageId, rudderId     any string -> "<messageId-N>", "<rudderId-N>"
//   anonymousId             a UUID-looking string (SDK-generated) -> "<anonymousId-N>"; ids
//                           a test chose ("anon-1") are kept
//   request_ip              any string -> "<request_ip-N>"
//   context.library.version any string -> "<library.version-N>" (the path context.library
//                           .version below any object, e.g. each event of a batch body)
//   sentAt, originalTimestamp, timestamp, receivedAt
//                           an ISO 8601 date-time string -> "<timestamp>"; anything else is
//                           kept, so a malformed timestamp still shows in a diff
//   _metadata               any value -> "<_metadata>"
// N numbers distinct values per field in order of first appearance and is kept across calls:
// within one export the same value gets the same placeholder, so links survive (a retried
// messageId, the anonymousId of one user across events). Timestamps get no number on purpose:
// which of them coincide depends on the milliseconds of a run, and numbering them would make
// two runs of the same test differ.
// Everything else is kept byte for byte as stored (numbers and strings as written, escapes
// included); object keys are sorted (by their unescaped bytes, stable for repeated keys) at
// every depth, and the output is compact (no white space).
// Memory: one hash entry (16-32 bytes) per distinct volatile value seen.
#pragma once

#include "util/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rm {

class Normalizer {
  public:
    // Numbered kinds of volatile values.
    enum class Kind { message_id, rudder_id, anonymous_id, request_ip, library_version, count };

    // The normalised form of one JSON value (an event, or a request body). An error for text
    // that is not valid JSON.
    Result<std::string> normalize(std::string_view json_text);
    // Appends the normalised form to out; false (out unchanged) when text is not valid JSON.
    bool normalize_into(std::string_view json_text, std::string& out);

    // The placeholder of a value met outside JSON (a header), from the same numbering:
    // "<anonymousId-3>".
    std::string placeholder(Kind kind, std::string_view value);
    // True for an 8-4-4-4-12 hex UUID (either case).
    static bool looks_like_uuid(std::string_view text);

  private:
    enum class Path { other, context, library };
    void value(std::string_view v, Path path, std::string& out);
    void object(std::string_view v, Path path, std::string& out);
    // Appends the placeholder for key's value, or returns false to keep the value.
    bool replace(std::string_view key, std::string_view v, Path path, std::string& out);
    void append_placeholder(Kind kind, std::string_view value, std::string& out);

    // Value hash -> number, open addressing (a node per value cost a cache miss more for
    // each of a million distinct messageIds).
    class Numbering {
      public:
        uint32_t number_of(uint64_t hash); // 1, 2, ... in order of first appearance
      private:
        struct Slot {
            uint64_t hash = 0;
            uint32_t number = 0; // 0 = empty
        };
        std::vector<Slot> m_slots;
        uint32_t m_count = 0;
    };
    Numbering m_seen[static_cast<size_t>(Kind::count)];
};

} // namespace rm
