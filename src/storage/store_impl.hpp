// Private to the storage module: the state behind Store, shared by store.cpp (open, close,
// the write queue), store_writer.cpp (the writer thread) and store_queries.cpp (read side).
#pragma once

#include "storage/checkpointer.hpp"
#include "storage/counts.hpp"
#include "storage/db_file.hpp"
#include "storage/delivery_index.hpp"
#include "storage/message_index.hpp"
#include "storage/sqlite.hpp"
#include "storage/store.hpp"
#include "util/batch_signal.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

namespace rm {

struct Statements; // the writer thread's prepared statements

// The writer's statements for the forward queue (store_forward.cpp), part of Statements.
struct ForwardStatements {
    sql::Statement enqueue;
    sql::Statement mark_dropped; // the rows to drop: LIMIT ? OFFSET ?
    sql::Statement drop;
    sql::Statement set_status;
    sql::Statement dequeue;
};
Result<ForwardStatements> prepare_forward_statements(sql::Database& db);

// What the writer binds for each event, computed on the submitter's thread beforehand so the
// single writer thread does as little as possible per event.
struct EventKeys {
    int64_t message_key = 0; // message_key(messageId), 0 without one
    int64_t user_key = 0;
    int64_t anonymous_key = 0;
    std::string lint_json; // the event's warnings as a JSON array
};

// Lint warnings as the JSON array stored in events.lint (store.cpp).
std::string lint_json(const std::vector<std::string>& lint);

struct InsertJob {
    RequestRecord request;
    std::vector<EventRecord> events;
    std::string received_at;     // request.received_ms formatted
    std::vector<EventKeys> keys; // one per event
};

struct ResetJob {
    std::optional<std::string> write_key;
};

// The forwarder's report (meeting point 4): several outcomes in one transaction.
struct ForwardDoneJob {
    std::vector<ForwardOutcome> outcomes;
};

using WriteWork = std::variant<InsertJob, ResetJob, ForwardDoneJob>;

// A queued job points into the submitter's stack frame, which outlives it (the submitter
// blocks until the job's batch is published). The writer only reads the work; the submitter
// frees it, so the writer thread never pays for freeing records allocated by other threads.
struct WriteJob {
    const WriteWork* work;
    std::optional<Result<int64_t>>* result; // filled by the writer before the batch is published
};

// Events stored per second over the last minute or so, counted by the writer as it commits.
// Meeting point 3: the writer adds under the mutex once per batch; stats() reads. (A count
// kept in memory: an index on the journal's time column cost every request a B-tree insert.)
class RecentEvents {
  public:
    void add(int64_t received_ms, int64_t events) {
        const int64_t second = received_ms / 1000;
        auto& slot = m_slots[static_cast<size_t>(second) % m_slots.size()];
        if (slot.second > second) {
            return; // older than the ring holds (a request handled for over a minute)
        }
        if (slot.second != second) {
            slot = Slot{second, 0};
        }
        slot.events += events;
    }
    int64_t events_since(int64_t since_ms) const {
        std::lock_guard lock(m_mutex);
        int64_t total = 0;
        for (const auto& slot : m_slots) {
            if (slot.second >= since_ms / 1000) {
                total += slot.events;
            }
        }
        return total;
    }
    void clear_locked() { m_slots.fill(Slot{}); }
    std::mutex& mutex() { return m_mutex; } // the writer holds it around add()/clear_locked()

  private:
    struct Slot {
        int64_t second = -1;
        int64_t events = 0;
    };
    mutable std::mutex m_mutex;
    std::array<Slot, 64> m_slots{};
};

// Read connections are checked out for one query and returned.
class ReadPool {
  public:
    explicit ReadPool(std::string path) : m_path(std::move(path)) {}
    Result<std::unique_ptr<sql::Database>> acquire();
    void release(std::unique_ptr<sql::Database> db);

  private:
    std::string m_path;
    std::mutex m_mutex;
    std::vector<std::unique_ptr<sql::Database>> m_free;
};

struct Store::Impl {
    DbFileLock file_lock; // first, so it is released last (db_file.hpp)
    StoreOptions options;
    std::string path;             // the real file path
    bool remove_on_close = false; // true for ":memory:" (a temporary file)
    sql::Database write_db;
    std::unique_ptr<Checkpointer> checkpointer; // reset before write_db closes (its WAL hook)
    std::unique_ptr<ReadPool> readers;

    // Meeting point 1: the write queue. The writer takes the whole queue as one batch (one
    // transaction); a job queued while batch N runs is in batch N + 1, whose publication on
    // `batches_done` the submitter waits for.
    std::mutex queue_mutex;
    std::condition_variable queue_not_empty;
    std::condition_variable queue_not_full;
    std::vector<WriteJob> queue;
    uint64_t batches_taken = 0; // under queue_mutex
    bool stopping = false;
    std::thread writer;
    BatchSignal batches_done;

    // Meeting point 2: the generation counter.
    std::atomic<uint64_t> generation{0};
    std::mutex change_mutex;
    std::condition_variable changed;

    RecentEvents recent;

    // Meeting point 4 (store_forward.cpp): the writer's view of the forward queue, restored
    // with event_count when a transaction rolls back, and the counters stats() reads,
    // published after each commit.
    struct ForwardCounts {
        int64_t pending = 0; // rows in forward_queue
        int64_t forwarded = 0;
        int64_t failed = 0;
        int64_t dropped = 0;
    };
    ForwardCounts forward;              // writer thread only
    int64_t forward_dropped_logged = 0; // writer thread only: drops already warned about
    int64_t forward_warned_ms = 0;      // writer thread only
    std::atomic<int64_t> forward_forwarded{0};
    std::atomic<int64_t> forward_failed{0};
    std::atomic<int64_t> forward_dropped{0};
    Status open_forward(); // at open: counts the queue, drops orphan rows
    Status forward_enqueue(ForwardStatements& s, int64_t request_id);
    Result<int64_t> forward_done(ForwardStatements& s, const ForwardDoneJob& job);
    Status forward_reset(const ResetJob& job); // forgets the queued requests a reset deletes
    void forward_publish(); // after a commit: counters for stats(), the drop warning

    // Bounded storage (store_trim.cpp), writer thread only.
    struct TrimStatements {
        sql::Statement oldest_events;
        sql::Statement oldest_requests;
        sql::Statement drop_requests;
        sql::Statement drop_forward;
        sql::Statement used_bytes;
    };
    TrimStatements trim_sql;
    bool trim_backlog = false;     // the last step took all it read: go on at the next commit
    int64_t trim_checked_ms = 0;   // the age is checked once a second
    int64_t first_new_request = 0; // the first request id of the open transaction, 0 = none
    int64_t trimmed_events = 0;    // since the store opened (restored on a rollback)
    int64_t trimmed_requests = 0;
    // Published after each commit for stats() (meeting point 3's kind: written by the writer,
    // read by any thread).
    std::atomic<int64_t> trimmed_events_published{0};
    std::atomic<int64_t> trimmed_requests_published{0};
    Status prepare_trim();
    Result<int64_t> used_bytes(); // pages in use (not on the free list) times the page size
    // drop_events: "DELETE the oldest ? events"; inserted: events this transaction added.
    Status trim(sql::Statement& drop_events, int64_t inserted);

    int64_t event_count = 0; // writer thread only
    CountDeltas counts;      // writer thread only: counts.hpp, applied before each COMMIT

    Result<int64_t> submit(WriteWork work);
    void writer_loop();
    MessageIndex messages;       // writer thread only
    DeliveryIndex deliveries;    // writer thread only
    int64_t next_request_id = 0; // writer thread only: 0 = read it at the next insert

    void run_batch(std::vector<WriteJob>& batch, Statements& stmts);
    // Writer thread only: the failing writes of a full disk, logged once and every 10 s.
    struct Failing {
        int64_t jobs = 0; // failed since the last success
        int64_t since_ms = 0;
        int64_t logged_ms = 0;
    };
    Failing failing;
    void report_failures(const std::vector<Result<int64_t>>& results);
    // Runs jobs in one transaction. nullopt: a job failed and was rolled back with the others
    // (only when count > 1); otherwise one result per job.
    std::optional<std::vector<Result<int64_t>>> run_transaction(WriteJob* jobs, size_t count,
                                                                Statements& stmts);
};

} // namespace rm
