// The inspector's model of the Requests view: which journal entries (the `requests` table,
// every gateway request, refused or not) match a status filter and an optional write key and
// path, oldest first (newest at the bottom); the rows on screen; the selected request's
// detail. Like EventFeed it lives in the core and never includes ImGui.
//
// Threads: every public function is for the UI thread. Queries run on the feed's own
// QueryWorker (a second read-only connection to the same database) and come back as tasks
// on the MainThreadQueue, so the state below is only touched by the UI thread. Each job
// carries the epoch of the query it was made for; results of an older epoch are dropped. In
// live mode a watcher thread sleeps on the store's generation counter and posts a task that
// fetches the new entries (no tick needed: the view may be hidden, the window idle).
#pragma once

#include "model/records.hpp"
#include "util/result.hpp"
#include "util/task_queue.hpp"
#include "view/plain_reason.hpp"
#include "view/query_worker.hpp"

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace rm {

class Store;

enum class StatusClass {
    all,
    success,      // 2xx
    client_error, // 4xx
    server_error, // 5xx
    faults,       // a fault rule fired (delays included)
    connection,   // connection faults: no answer, journaled with status 0
    code,         // exactly RequestQuery::code
};

struct RequestQuery {
    StatusClass status = StatusClass::all;
    int code = 0;          // for StatusClass::code
    std::string write_key; // exact; "" = any
    std::string path;      // a substring of the path; "" = any
    bool operator==(const RequestQuery&) const = default;
};

// One line of the requests table.
struct RequestRow {
    int64_t id = 0;
    int64_t received_ms = 0;
    std::string method;
    std::string path;
    std::string query;
    int status = 0;
    std::string reason; // as journaled ("" for success)
    std::string plain;  // plain_reason() of it
    std::string write_key;
    int event_count = 0;
    int64_t duration_us = 0;
    std::string fault_rule; // "" when none fired
};

// Everything the view shows for the selected request.
struct RequestDetail {
    StoredRequest request;                 // headers, decoded body, answer, fault
    std::vector<DeliveryAttempt> attempts; // all attempts of its delivery, oldest first
    std::string plain;                     // plain_reason() of it
};

class RequestFeed {
  public:
    // db_path: the database to read; live: the running server's store (its generation
    // counter wakes the feed), or null for a database opened read-only with --open.
    static Result<std::unique_ptr<RequestFeed>> open(const std::string& db_path, Store* live,
                                                     MainThreadQueue& ui);
    ~RequestFeed();
    RequestFeed(const RequestFeed&) = delete;
    RequestFeed& operator=(const RequestFeed&) = delete;

    // Applies a filter (starts a new search unless it is the current one).
    void set_query(RequestQuery query);
    const RequestQuery& query() const { return m_query; }

    // Per frame (after drawing): fetches the rows the frame asked for.
    void tick();

    size_t size() const { return m_ids.size(); }
    int64_t id_at(size_t index) const { return index < m_ids.size() ? m_ids[index] : 0; }
    // The row at a display index, or null while it loads (it is then fetched).
    const RequestRow* row(size_t index);
    std::optional<size_t> index_of(int64_t id) const;

    // A search is still scanning older entries; fraction of the id range done.
    bool searching() const { return m_searching; }
    double progress() const { return m_progress; }
    const std::string& error() const { return m_error; }

    void select(int64_t request_id); // loads its detail (0: none)
    int64_t selected() const { return m_selected; }
    const RequestDetail* detail() const { return m_detail ? &*m_detail : nullptr; }

    // Changes whenever something visible changed (the window redraws only then).
    uint64_t version() const { return m_version; }

    // Captured by queued jobs and posted tasks, which may outlive the feed (UI thread only).
    struct Shared {
        bool alive = true;
    };

  private:
    RequestFeed(Store* live, MainThreadQueue& ui, std::unique_ptr<QueryWorker> worker);
    void start_search();
    void search_step(uint64_t epoch, int64_t hi, int64_t chunk);
    void on_search_done();
    void on_commit();
    void fetch_tail();
    void fetch_rows();
    void watch_generation();

    Store* m_live;
    MainThreadQueue& m_ui;
    std::unique_ptr<QueryWorker> m_worker;
    std::shared_ptr<Shared> m_shared; // outlives queued jobs and posted tasks

    RequestQuery m_query;
    uint64_t m_epoch = 0;
    std::deque<int64_t> m_ids; // ascending ids: newest at the bottom
    int64_t m_top = 0;         // highest id covered by the list (new ones come as the tail)
    int64_t m_top_ms = 0;      // its received_ms (-1 unknown): tells a reset from new rows
    int64_t m_scan_low = 0;    // the search covers ids above this
    int64_t m_scan_top = 0;
    bool m_searching = false;
    double m_progress = 1.0;
    bool m_tail_in_flight = false;
    bool m_tail_wanted = false;
    std::string m_error;

    std::unordered_map<int64_t, RequestRow> m_rows;
    std::unordered_set<int64_t> m_wanted;
    bool m_rows_in_flight = false;

    int64_t m_selected = 0;
    std::optional<RequestDetail> m_detail;

    uint64_t m_version = 1;
    std::atomic<bool> m_stop{false};
    std::thread m_watcher;
};

} // namespace rm
