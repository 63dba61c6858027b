// Read-only access to a ruddermock database file, without a Store or its writer thread: for
// `ruddermock export|verify`, the inspector's `--open FILE.db` and exports streamed by the
// server. Opens the file SQLITE_OPEN_READONLY; through WAL it reads a consistent snapshot while
// a running server writes the file.
//
// The -wal and -shm files: a reader needs both to read a WAL database. While a server runs they
// exist. When none runs and they are absent, SQLite creates them (empty) if the directory is
// writable and leaves them behind on close (a read-only connection may not delete them; the
// next server start uses and removes them). When the directory is not writable either, the
// file is opened immutable: no server can be writing it then (a server keeps its -wal file for
// as long as it runs).
//
// A Reader holds one connection: use it from one thread at a time. Queries stream rows to a
// callback and never hold more than one row; a callback that returns false stops the query.
#pragma once

#include "model/records.hpp"
#include "query/filter.hpp"
#include "util/result.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace rm {

enum class Order { asc, desc };

// Which requests each_request() returns.
enum class RequestScope {
    // The requests that carried the events the filter selects (each once). An empty filter
    // selects every request that stored events (accepted ones).
    events,
    // Every journaled request, accepted or refused (401s, faults, bad JSON...). Takes no
    // filter (the filter language selects events): a non-empty one is an error.
    all,
};

// Paging of a streamed query. since_id: only rows with a greater id (in both orders, as the
// admin API's since=); limit: at most that many rows, 0 = all.
struct Page {
    Order order = Order::asc;
    int64_t since_id = 0;
    int64_t limit = 0;
};

class Reader {
  public:
    // Errors: "cannot open FILE: no such file", "FILE is not an SQLite database",
    // "FILE is not a ruddermock database", or a schema older or newer than this build.
    static Result<std::unique_ptr<Reader>> open(const std::string& path);
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    const std::string& path() const;
    int schema_version() const;

    using EventFn = std::function<bool(const StoredEvent&)>;
    using RequestFn = std::function<bool(const StoredRequest&)>;

    // Events matching filter (rm::query::compile over "events AS e", maybe joined with
    // "requests AS r"), in id order.
    Status each_event(const query::Sql& filter, const Page& page, const EventFn& fn);
    Result<int64_t> count_events(const query::Sql& filter);

    // Requests in id order, chosen by scope (see RequestScope); bodies decoded.
    Status each_request(const query::Sql& filter, RequestScope scope, const Page& page,
                        const RequestFn& fn);
    Result<int64_t> count_requests(const query::Sql& filter, RequestScope scope);
    Result<std::optional<StoredRequest>> request_by_id(int64_t id);
    Result<std::optional<StoredEvent>> event_by_id(int64_t id);

    // Runs fn inside one read transaction, so that every query it makes (a count, then the
    // rows) sees the same snapshot however much a server writes meanwhile. Not reentrant.
    Status in_snapshot(const std::function<Status()>& fn);

    struct Impl;

  private:
    explicit Reader(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace rm
