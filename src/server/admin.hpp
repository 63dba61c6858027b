// The admin API under /_mock/ (same port, JSON, never journaled): query, wait for, reset
// and count what arrived. Runs on HTTP worker threads and reads through the Store.
#pragma once

#include "faults/fault_engine.hpp"
#include "protocol/sources.hpp"
#include "storage/store.hpp"

#include <string>

namespace httplib {
struct Request;
struct Response;
class ContentReader;
} // namespace httplib

namespace rm {

struct ConnectionCounters;

struct AdminOptions {
    std::string token;            // when set, requests need "Authorization: Bearer <token>"
    int64_t max_wait_ms = 300000; // longest /_mock/wait accepted
    std::string forward_url;      // --forward: /_mock/stats shows the forward queue
    const ConnectionCounters* connections = nullptr; // /_mock/stats shows them when set
};

class AdminApi {
  public:
    AdminApi(AdminOptions options, Store& store, SourceRegistry& sources, FaultEngine& faults);

    // True for paths this API owns ("/_mock" and below).
    static bool owns(const std::string& path);
    void handle(const httplib::Request& req, httplib::Response& res,
                const httplib::ContentReader* reader);

  private:
    void list_requests(const httplib::Request& req, httplib::Response& res);
    void reset(const httplib::Request& req, httplib::Response& res);
    void stats(httplib::Response& res);
    void sources(httplib::Response& res);
    // admin_events.cpp: the events, one by id, and waiting for them.
    void list_events(const httplib::Request& req, httplib::Response& res);
    void get_event(int64_t id, httplib::Response& res);
    void wait(const httplib::Request& req, httplib::Response& res);
    // admin_faults.cpp: the fault plan and the deliveries it makes visible.
    void get_faults(httplib::Response& res);
    void put_faults(const std::string& body, httplib::Response& res);
    void delete_faults(httplib::Response& res);
    void list_deliveries(const httplib::Request& req, httplib::Response& res);
    void export_stream(const httplib::Request& req, httplib::Response& res); // admin_export.cpp

    AdminOptions m_options;
    Store& m_store;
    SourceRegistry& m_sources;
    FaultEngine& m_faults;
};

// Shared by the admin API's files.
namespace admin {
void send_json(httplib::Response& res, int status, std::string body);
void send_error(httplib::Response& res, int status, const std::string& message);
// An integer query parameter from min to max; fallback when it is absent.
Result<int64_t> int_param(const httplib::Request& req, const char* name, int64_t fallback,
                          int64_t min, int64_t max);
// since, limit and order, shared by the event and request listings.
Status read_paging(const httplib::Request& req, int64_t& since, int& limit, bool& descending);
} // namespace admin

} // namespace rm
