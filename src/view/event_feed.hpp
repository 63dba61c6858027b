// The inspector's model of the events table: which events match the filter (their ids, in
// display order), the rows on screen, the selected event's details and the totals. Lives in
// the core so the window and headless tests share it; it never includes ImGui.
//
// Threads: every public function is for the UI thread. Queries run on a QueryWorker
// (view/query_worker.hpp) and come back as tasks on the MainThreadQueue
// (util/task_queue.hpp), so the state below is only ever touched by the UI thread. Every job
// carries the epoch of the filter it was made for; results of an older epoch are dropped,
// which is how a changed filter cancels a running search at once. In live mode a watcher
// thread sleeps on the store's generation counter and posts a wake-up when rows commit.
#pragma once

#include "model/records.hpp"
#include "query/filter.hpp"
#include "util/result.hpp"
#include "util/task_queue.hpp"
#include "view/query_worker.hpp"

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace rm {

class Store;

// One line of the events table.
struct EventRow {
    int64_t id = 0;
    int64_t request_id = 0;
    int64_t received_ms = 0;
    std::string type;
    std::string event;
    std::string user_id;
    std::string anonymous_id;
    std::string write_key;
    std::string message_id;
    int status = 0; // of its request
    int lint_count = 0;
    bool duplicate = false;
    std::string fault_rule; // its request met a (delay) fault
};

// Everything the detail pane shows for one event.
struct EventDetail {
    StoredEvent event;
    std::optional<StoredRequest> request;  // headers, decoded body, answer, fault
    std::vector<DeliveryAttempt> attempts; // all attempts of the same delivery, oldest first
};

struct FeedTotals {
    int64_t events = 0;
    int64_t requests = 0;
    std::map<std::string, int64_t> by_type;
    std::map<int, int64_t> by_status; // requests
    std::map<std::string, int64_t> by_key;
    int64_t at_ms = 0; // when counted
};

enum class SortColumn { time, type, event, user, anon, key, status };

class EventFeed {
  public:
    // db_path: the database to read; live: the running server's store (its generation
    // counter wakes the feed), or null for a database opened read-only with --open.
    static Result<std::unique_ptr<EventFeed>> open(const std::string& db_path, Store* live,
                                                   MainThreadQueue& ui);
    ~EventFeed();

    // Parses and applies a filter; on a parse error the old filter stays and the error (with
    // its position) is returned.
    Status set_filter(std::string_view text);
    const std::string& filter_text() const { return m_filter_text; }
    void set_sort(SortColumn column, bool descending);
    // Paused: the list stops taking new rows (capture goes on); unpausing catches up.
    void set_paused(bool paused);
    bool paused() const { return m_paused; }

    // Per frame: issues the queries the last frame asked for (rows, new arrivals, totals).
    void tick();

    size_t size() const { return m_ids.size(); }
    int64_t id_at(size_t index) const;
    // The row at a display index, or null while it loads (it is then fetched).
    const EventRow* row(size_t index);
    std::optional<size_t> index_of(int64_t id) const;

    // A search is still scanning older events; fraction of the id range done.
    bool searching() const { return m_searching; }
    double progress() const { return m_progress; }
    const std::string& error() const { return m_error; }

    void select(int64_t event_id); // loads its detail
    int64_t selected() const { return m_selected; }
    const EventDetail* detail() const { return m_detail ? &*m_detail : nullptr; }
    // Loads any event's detail (the diff view's second side) into out when it arrives.
    void load_detail(int64_t event_id, std::function<void(EventDetail)> done);

    const FeedTotals& totals() const { return m_totals; }
    // Changes whenever something visible changed (the window redraws only then).
    uint64_t version() const { return m_version; }

    // Captured by queued jobs and posted tasks, which may outlive the feed (UI thread only).
    struct Shared {
        bool alive = true;
    };

  private:
    EventFeed(std::string db_path, Store* live, MainThreadQueue& ui,
              std::unique_ptr<QueryWorker> worker);
    void start_search();
    void search_step(uint64_t epoch, int64_t hi, int64_t chunk);
    void fetch_tail();
    void fetch_totals();
    void fetch_rows();
    void watch_generation(uint64_t seen);

    std::string m_db_path;
    Store* m_live;
    MainThreadQueue& m_ui;
    std::unique_ptr<QueryWorker> m_worker;
    std::shared_ptr<Shared> m_shared; // outlives queued jobs and posted tasks

    std::string m_filter_text;
    query::Sql m_sql;
    SortColumn m_sort = SortColumn::time;
    bool m_descending = false;
    bool m_paused = false;

    uint64_t m_epoch = 0;
    std::deque<int64_t> m_ids; // display order for time sorts: ascending ids
    int64_t m_top = 0;         // highest id covered by the list (new ones come as the tail)
    int64_t m_scan_low = 0;    // the search has covered ids above this
    int64_t m_scan_top = 0;
    bool m_searching = false;
    double m_progress = 1.0;
    bool m_tail_in_flight = false;
    bool m_tail_wanted = false;
    bool m_resort_wanted = false;
    std::string m_error;

    std::unordered_map<int64_t, EventRow> m_rows;
    std::unordered_set<int64_t> m_wanted;
    bool m_rows_in_flight = false;
    uint64_t m_frame = 0;

    int64_t m_selected = 0;
    std::optional<EventDetail> m_detail;

    FeedTotals m_totals;
    bool m_totals_in_flight = false;
    bool m_totals_wanted = true;
    int64_t m_totals_due_ms = 0;

    uint64_t m_version = 1;
    uint64_t m_seen_generation = 0;
    std::atomic<uint64_t> m_generation_posted{0};
    std::atomic<bool> m_stop{false};
    std::thread m_watcher;
};

} // namespace rm
