// libFuzzer target: the whole HTTP request pipeline from raw bytes, cpp-httplib's parsing
// included. The input is what a client sends on one connection: request lines, headers
// (Content-Length, Transfer-Encoding: chunked, Expect: 100-continue, Connection,
// Content-Encoding ...), bodies, and further requests after the first as on a keep-alive
// connection. It is served by the server's own keep-alive loop (rm::ConnectionServer::serve)
// on a server set up by rm::configure_server(), the code HttpServer::start() uses (same
// options, routes, hooks and payload cap), behind the dispatch of ServerApp::start()
// (rm::dispatch_to: admin API under /_mock/ with its CORS, the gateway for the rest), over a
// :memory: store. Only the socket is replaced: an in-memory rm::ConnectionStream reads the
// input and collects the answers, which are checked to be HTTP/1.1 responses.
//
// Differences from a live server, all outside the request pipeline: no worker pool or
// deadline watchdog (the deadline hooks run but no connection is registered, so they do
// nothing); the bulk pool is off (bodies parse on this thread); fault delays and hangs end at
// once (Gateway::begin_shutdown) and /_mock/wait waits at most 10 ms (timeout_ms=10 is added
// when absent), so no input sleeps; connection faults find no socket and answer 500 as the
// gateway does then; the fault plan is cleared before each input. A handler exception, which
// the server answers with a 500, is a crash.
//
// FUZZ_HTTP_TRACE=1 prints every answer in full to stderr (to check a seed does what it
// should: fuzz_http fixtures/fuzz/fuzz_http/admin).
#include "faults/fault_engine.hpp"
#include "protocol/sources.hpp"
#include "server/admin.hpp"
#include "server/connection.hpp"
#include "server/dispatch.hpp"
#include "server/gateway.hpp"
#include "server/http_server.hpp"
#include "server/request_deadlines.hpp"
#include "server/worker_pool.hpp"
#include "storage/store.hpp"
#include "util/log.hpp"

#include <httplib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace {

// One connection: reads the input, keeps the first bytes of what the server writes.
class MemoryStream : public rm::ConnectionStream {
  public:
    MemoryStream(std::string_view in, bool keep_all) : m_in(in), m_keep_all(keep_all) {}

    bool is_readable() const override { return true; }
    bool is_writable() const override { return true; }
    ssize_t read(char* ptr, size_t size) override {
        size_t n = std::min(size, m_in.size() - m_pos);
        std::memcpy(ptr, m_in.data() + m_pos, n);
        m_pos += n;
        return static_cast<ssize_t>(n); // 0 at the end: the client closed its side
    }
    ssize_t write(const char* ptr, size_t size) override {
        if (m_keep_all) {
            m_out.append(ptr, size);
        } else if (m_out.size() < k_kept) {
            m_out.append(ptr, std::min(size, k_kept - m_out.size()));
        }
        m_written += size;
        return static_cast<ssize_t>(size);
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        ip = "127.0.0.1";
        port = 40000;
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        ip = "127.0.0.1";
        port = 8080;
    }
    socket_t socket() const override { return 3; } // below FD_SETSIZE, as the library checks

    bool wait_for_request(std::chrono::milliseconds) override { return m_pos < m_in.size(); }
    bool flush() override { return true; }

    const std::string& out() const { return m_out; }
    size_t written() const { return m_written; }

  private:
    static constexpr size_t k_kept = 64;
    std::string_view m_in;
    bool m_keep_all = false;
    size_t m_pos = 0;
    std::string m_out;
    size_t m_written = 0;
};

struct World {
    rm::ConnectionCounters counters;
    std::unique_ptr<rm::RequestDeadlines> deadlines;
    std::unique_ptr<rm::Store> store;
    std::unique_ptr<rm::SourceRegistry> sources;
    rm::FaultEngine faults;
    std::unique_ptr<rm::Gateway> gateway;
    std::unique_ptr<rm::AdminApi> admin;
    std::unique_ptr<rm::ConnectionServer> server;
    int runs = 0;

    World() {
        rm::log::set_level(rm::log::Level::off);
        deadlines = std::make_unique<rm::RequestDeadlines>(rm::DeadlineOptions{}, counters);
        rm::StoreOptions so;
        so.path = ":memory:";
        so.max_events = 1000;
        auto opened = rm::Store::open(so);
        if (!opened) {
            std::abort();
        }
        store = std::move(*opened);
        renew();
    }

    // A fresh gateway, admin API, source registry (the permissive registry remembers every
    // key) and server.
    void renew() {
        server.reset();
        admin.reset();
        gateway.reset();
        sources = std::make_unique<rm::SourceRegistry>();
        rm::GatewayOptions go;                      // the defaults of the command line
        go.bulk_threads = 0;                        // parse on this thread
        go.redact_headers = {"Cookie", "x-secret"}; // the journal's redaction path too
        gateway = std::make_unique<rm::Gateway>(go, *store, *sources, faults);
        gateway->begin_shutdown(); // fault delays and hangs end at once
        rm::AdminOptions ao;
        ao.max_wait_ms = 10;
        ao.connections = &counters;
        admin = std::make_unique<rm::AdminApi>(ao, *store, *sources, faults);

        server = std::make_unique<rm::ConnectionServer>(rm::ConnectionOptions{}, nullptr);
        rm::HttpOptions http;
        http.max_body_bytes = gateway->body_cap(); // as ServerApp::start()
        rm::DispatchFn dispatch = rm::dispatch_to(*admin, *gateway);
        rm::configure_server(
            *server, http,
            [dispatch](const httplib::Request& req, httplib::Response& res,
                       const httplib::ContentReader* reader) {
                if (req.path == "/_mock/wait" && !req.has_param("timeout_ms")) {
                    // Its default (5 s) is not capped by max_wait_ms.
                    httplib::Request short_wait = req;
                    short_wait.params.emplace("timeout_ms", "10");
                    dispatch(short_wait, res, reader);
                    return;
                }
                dispatch(req, res, reader);
            },
            *deadlines);
        server->set_exception_handler(
            [](const httplib::Request& req, httplib::Response&, std::exception_ptr ep) {
                std::string what = "unknown";
                try {
                    std::rethrow_exception(ep);
                } catch (const std::exception& e) {
                    what = e.what();
                } catch (...) {
                }
                std::fprintf(stderr, "handler exception on %s %s: %s\n", req.method.c_str(),
                             req.path.c_str(), what.c_str());
                std::abort();
            });
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static World world;
    world.faults.clear(); // a plan PUT by an earlier input would make runs depend on history

    static const bool trace = std::getenv("FUZZ_HTTP_TRACE") != nullptr;
    MemoryStream strm(std::string_view(reinterpret_cast<const char*>(data), size), trace);
    world.server->serve(strm); // one request after another until the input ends or one closes
    if (trace) {
        std::fwrite(strm.out().data(), 1, strm.out().size(), stderr);
        std::fputs("\n", stderr);
    }
    // Whatever was answered starts as an HTTP/1.1 response.
    if (strm.written() > 0 && strm.out().rfind("HTTP/1.1 ", 0) != 0) {
        std::fprintf(stderr, "not an HTTP response: %.*s\n", static_cast<int>(strm.out().size()),
                     strm.out().c_str());
        std::abort();
    }
    if (++world.runs % 5000 == 0) { // keep the database and the registry small
        world.renew();
        (void)world.store->reset(std::nullopt);
    }
    return 0;
}
