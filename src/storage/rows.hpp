// The one mapping from SQL rows to records, shared by the Store's reads (store_queries.cpp)
// and the read-only Reader (reader.cpp): the column lists and the functions that read them
// back, in the same order. Private to src/storage.
#pragma once

#include "model/records.hpp"
#include "storage/sqlite.hpp"

#include <string>
#include <string_view>

namespace rm::sql {

// "id, request_id, ..., payload", each column prefixed by `alias` (e.g. "e." for a join).
std::string event_columns(std::string_view alias = "");
// Reads a row selected with event_columns().
StoredEvent read_event(const Statement& s);

// "id, received_ms, ..., message_ids" of the journal, each column prefixed by `alias`.
std::string request_columns(std::string_view alias = "");
// Reads a row selected with request_columns(); a body the store kept compressed
// (body_encoding 'gzip') is returned decoded, as callers always see the plain body.
StoredRequest read_request(const Statement& s);

} // namespace rm::sql
