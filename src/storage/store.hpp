// The store: the only owner of SQLite in the process.
//
// Thread meeting points owned here:
//  1. The write queue. HTTP worker threads call record()/reset(); each call enqueues a job
//     and blocks until the writer thread has committed it (or failed). The queue is bounded:
//     when the writer falls behind, callers wait (back-pressure); nothing is dropped.
//  2. The generation counter. After every commit the writer increments generation() and wakes
//     wait_for_change(). Readers (admin API, inspector) use it to learn that rows arrived.
//  3. The recent-events count (store_impl.hpp, RecentEvents): the writer adds each commit's
//     events per second under its mutex; stats() reads the last minute.
//  4. The forward queue (tee mode, --forward; store_forward.cpp). With options.forward the
//     writer adds every request whose events it stored to the forward_queue table, in the
//     same transaction. The forwarder thread (forward/forwarder.hpp) reads the oldest rows
//     with forward_pending(), relays them, and reports back with forward_record(), a write
//     job like any other; when the queue is empty it sleeps on the generation counter (2).
//     When the queue is full the writer drops the oldest row the forwarder has not taken:
//     forward_pending() only ever returns rows among the forward_window() oldest, and the
//     writer never drops those, so a request is never both dropped and relayed.
//  5. The WAL copy (checkpointer.hpp). After each commit the write connection's WAL hook, on
//     the writer thread, wakes the checkpointer's thread, which copies the WAL into the file
//     on its own connection; past a bound the writer copies the rest itself.
// Submitters wait for their commit through a BatchSignal (util/batch_signal.hpp).
// Reads run on the caller's thread through pooled read-only connections (WAL lets them run
// beside the writer). No SQLite handle is ever shared between threads at the same time.
#pragma once

#include "model/records.hpp"
#include "util/result.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rm {

struct StoreOptions {
    std::string path = "ruddermock.db"; // ":memory:" = a temporary file removed on close
    int64_t max_events = 0;             // keep only the newest N events; 0 = keep all
    // Trim the oldest requests and events while the pages in use exceed this (0 = no limit),
    // and those received more than retention_ms ago (0 = keep); store_trim.cpp.
    int64_t max_db_bytes = 0;
    int64_t retention_ms = 0;
    // false: a commit is in the OS once it returns, so it survives a crash of the process
    // (not of the machine). true: also fsync at checkpoints (power-loss safe, slower).
    bool fsync = false;
    size_t queue_capacity = 4096; // jobs waiting for the writer before callers block
    // New messageIds sealed into one segment of the messageId index's sorted level
    // (storage/message_index.hpp); tests lower it to cross segments with a few events.
    int64_t message_segment_size = 65536;
    // Tee mode: queue accepted requests for the forwarder (meeting point 4), at most
    // forward_queue_limit of them.
    bool forward = false;
    int64_t forward_queue_limit = 10000;
};

// What the upstream answered to one forwarded request: status 0 = no connection. done =
// the request leaves the queue (delivered or refused for good); otherwise the status is only
// noted in the journal while the forwarder retries.
struct ForwardOutcome {
    int64_t request_id = 0;
    int status = 0;
    bool done = true;
};

// Tee-mode counters. pending is read from the queue table; the others are counted in memory
// by the writer since the store opened (a reset does not change them).
struct ForwardStats {
    int64_t pending = 0;
    int64_t forwarded = 0; // done with a 2xx answer
    int64_t failed = 0;    // done with any other answer (a refusal the upstream would repeat)
    int64_t dropped = 0;   // left out because the queue was full
};

// The database file and its bounds (store_trim.cpp); trimmed_* count since the store opened.
struct StorageStats {
    int64_t db_bytes = 0;  // the file
    int64_t wal_bytes = 0; // its -wal file
    int64_t max_db_bytes = 0;
    int64_t retention_ms = 0;
    int64_t max_events = 0;
    int64_t trimmed_events = 0;
    int64_t trimmed_requests = 0;
};

struct StoreStats {
    int64_t events = 0;
    int64_t requests = 0;
    std::map<std::string, int64_t> events_by_type;
    std::map<int, int64_t> requests_by_status;
    std::map<std::string, int64_t> events_by_write_key;
    std::map<std::string, int64_t> requests_by_write_key;
    double events_per_second_last_minute = 0;
    ForwardStats forward;
    StorageStats storage;
};

// The scan budget of event queries that read payloads row by row: free text (q=, bare words
// in a filter) and JSON paths, unless a term narrows the query through an index (userId,
// anonymousId, messageId; user:, anon:, id:N, has:dup: query::Sql::narrowed). Such a query
// reads the table in id order and examines at most scan_budget consecutive ids from where it
// starts (newest first: the newest event or before-1; oldest first: since+1), within the
// stored ids. When those hold fewer than limit matches and ids remain beyond them, the page is
// truncated and says where to continue. Other queries ignore the budget. The default costs
// 0.06-0.1 s of free text or 0.2-0.3 s of a JSON path on the 2-core machine (bench/search.sh).
constexpr int64_t k_default_scan_budget = 100000;

struct EventPageOptions {
    int64_t before = 0;                          // only ids less than this; 0 = no bound
    int64_t scan_budget = k_default_scan_budget; // ids examined at most; 0 = no budget
};

struct EventPage {
    std::vector<StoredEvent> events;
    bool budgeted = false;  // the budget applied (a payload scan that nothing narrows)
    bool truncated = false; // the budget ran out before limit events matched
    // Budgeted only: every id in (scanned_after, scanned_through] was examined and each one
    // that matches is in events. Continue with since=scanned_through oldest first, with
    // before=scanned_after+1 newest first.
    int64_t scanned_after = 0;
    int64_t scanned_through = 0;
    int64_t newest_id = 0; // budgeted only: the newest stored id, 0 = none
};

class Store {
  public:
    // Opens or creates the database, runs migrations and starts the writer thread.
    static Result<std::unique_ptr<Store>> open(const StoreOptions& options);
    ~Store(); // flushes the queue, stops the writer

    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // Journals a request with its accepted events in one transaction; returns the request id
    // once committed. Blocks while the queue is full.
    Result<int64_t> record(RequestRecord request, std::vector<EventRecord> events);
    // Compresses a large body for the journal (batches repeat what their events hold). record()
    // does it when the caller has not; callers may do it beforehand on a thread of their choice.
    static void pack_body(RequestRecord& request);
    // Deletes all requests and events, or only those of one write key. Committed on return.
    Result<int64_t> reset(std::optional<std::string> write_key);

    Result<std::vector<StoredEvent>> events(const EventFilter& filter);
    // events() with a before bound and the scan budget above (the admin API's listing).
    Result<EventPage> events_page(const EventFilter& filter, const EventPageOptions& options);
    // Whether events_page() budgets this filter (false for a bad filter expression).
    static bool scan_budget_applies(const EventFilter& filter);
    Result<int64_t> count_events(const EventFilter& filter);
    Result<std::optional<StoredEvent>> event_by_id(int64_t id);
    Result<std::vector<StoredRequest>> requests(const RequestFilter& filter);
    Result<StoreStats> stats();
    // Requests grouped by delivery (model/records.hpp), oldest first, with their attempts.
    Result<std::vector<Delivery>> deliveries(const DeliveryFilter& filter);
    Result<DeliverySummary> delivery_summary(const std::string& write_key);

    // Tee mode (meeting point 4): the oldest queued requests, at most min(limit,
    // forward_window()), with their decoded bodies; and the forwarder's report, one write job
    // for several outcomes.
    Result<std::vector<StoredRequest>> forward_pending(int limit);
    Status forward_record(std::vector<ForwardOutcome> outcomes);
    int forward_window() const;

    uint64_t generation() const;
    // Blocks until generation() differs from seen or the deadline passes; returns generation().
    uint64_t wait_for_change(uint64_t seen, std::chrono::steady_clock::time_point deadline);

    const std::string& path() const;

    struct Impl;

  private:
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace rm
