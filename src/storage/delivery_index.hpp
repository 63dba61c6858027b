// The delivery index: which request was the first attempt of a delivery (the requests that
// carry one set of messageIds under one write key, RequestRecord::delivery_key), so that every
// attempt is stored with requests.delivery_first = that request's id (schema 9).
//
// Why: delivery_key is a hash, so a SQLite index on it puts every request on a random leaf page,
// and WAL mode writes each touched page whole (16 KiB) at every commit. On single events that
// index was 30 of the 49 pages a commit wrote, and without it the server took 20% more
// requests (24.7k against 20.6k req/s, alternating slices). The index on delivery_first grows
// at its end instead: a first attempt's delivery_first is its own id, the largest yet; only a
// retry lands among older entries, and retries are rare. The listing of deliveries reads that
// index in order (oldest first) and stops at its limit, where grouping by the hash read it all.
//
// What the writer must know is "has this delivery_key been seen, and as which request?". It keeps
// the newest k_window first attempts in memory (a hash map), filled at open from the tail of the
// index (a covering scan, ~20 bytes an entry). A retry whose first attempt is older than that
// window, or was deleted since (trim, reset), starts a delivery of its own: each hit is checked
// against the table (one lookup by id; only retries pay it).
//
// Threads: used by the store's writer thread only (and by Store::open before it starts).
#pragma once

#include "storage/sqlite.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>

namespace rm {

class DeliveryIndex {
  public:
    static constexpr size_t k_window = 262144; // first attempts remembered (~10 MB at most)

    // Prepares statements on db and loads the newest first attempts.
    Status open(sql::Database& db);
    // After a rolled-back transaction or a reset: forget everything, reload from the database.
    Status reload();

    // The id of the stored first attempt of this delivery, if it is known and still stored.
    Result<std::optional<int64_t>> find_first(int64_t delivery_key);
    // Records request_id as the first attempt of delivery_key.
    void add_first(int64_t delivery_key, int64_t request_id);

  private:
    sql::Database* m_db = nullptr;
    sql::Statement m_check;                       // is the first attempt still there?
    std::unordered_map<int64_t, int64_t> m_first; // delivery_key -> first attempt's id
    std::deque<int64_t> m_order;                  // keys, oldest first, for the window
};

} // namespace rm
