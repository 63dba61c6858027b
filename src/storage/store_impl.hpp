// Private to the storage module: the state behind Store, shared by store.cpp (writer side)
// and store_queries.cpp (read side).
#pragma once

#include "storage/message_index.hpp"
#include "storage/sqlite.hpp"
#include "storage/store.hpp"
#include "util/batch_signal.hpp"

#include <algorithm>
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

// What the writer binds for each event, computed on the submitter's thread beforehand so the
// single writer thread does as little as possible per event.
struct EventKeys {
    int64_t message_key = 0; // message_key(messageId), 0 without one
    int64_t user_key = 0;
    int64_t anonymous_key = 0;
    std::string lint_json; // the event's warnings as a JSON array
};

struct InsertJob {
    RequestRecord request;
    std::vector<EventRecord> events;
    std::string received_at;     // request.received_ms formatted
    std::vector<EventKeys> keys; // one per event
};

struct ResetJob {
    std::optional<std::string> write_key;
};

// A queued job points into the submitter's stack frame, which outlives it (the submitter
// blocks until the job's batch is published). The writer only reads the work; the submitter
// frees it, so the writer thread never pays for freeing records allocated by other threads.
struct WriteJob {
    const std::variant<InsertJob, ResetJob>* work;
    std::optional<Result<int64_t>>* result; // filled by the writer before the batch is published
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
    StoreOptions options;
    std::string path;             // the real file path
    bool remove_on_close = false; // true for ":memory:" (a temporary file)
    sql::Database write_db;
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

    int64_t event_count = 0; // writer thread only

    Result<int64_t> submit(std::variant<InsertJob, ResetJob> work);
    void writer_loop();
    MessageIndex messages; // writer thread only

    void run_batch(std::vector<WriteJob>& batch, Statements& stmts);
    // Runs jobs in one transaction. nullopt: a job failed and was rolled back with the others
    // (only when count > 1); otherwise one result per job.
    std::optional<std::vector<Result<int64_t>>> run_transaction(WriteJob* jobs, size_t count,
                                                                Statements& stmts);
};

} // namespace rm
