// libFuzzer target: the whole gateway pipeline from raw bytes. The input is read as a request:
//
//   METHOD TARGET\n        (TARGET = path with an optional ?query, as on the wire)
//   Name: value\n          (header lines, until an empty line; \r\n also ends a line)
//   \n
//   body
//
// built into an httplib::Request as the library's server would, and handed to
// Gateway::handle() with a :memory: store; the request is journaled and its events committed
// as in the server (the socket layer is cpp-httplib's and not fuzzed here). With
// "Content-Encoding: gzip" a body that does not start with the gzip magic is compressed here
// first, so mutations reach the event parser through the gzip path too; one that does is
// passed as sent (bad gzip).
#include "faults/fault_engine.hpp"
#include "protocol/sources.hpp"
#include "server/gateway.hpp"
#include "storage/store.hpp"
#include "util/gzip.hpp"
#include "util/log.hpp"

#include <httplib.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace {

struct World {
    std::unique_ptr<rm::Store> store;
    std::unique_ptr<rm::SourceRegistry> sources;
    rm::FaultEngine faults;
    std::unique_ptr<rm::Gateway> gateway;
    int runs = 0;

    World() {
        rm::log::set_level(rm::log::Level::off);
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
    // A fresh gateway and source registry (the permissive registry remembers every key).
    void renew() {
        gateway.reset();
        sources = std::make_unique<rm::SourceRegistry>();
        rm::GatewayOptions go;
        go.bulk_threads = 0; // parse on this thread
        go.max_request_bytes = 64 * 1024;
        go.redact_headers = {"Cookie", "x-secret"}; // the journal's redaction path too
        gateway = std::make_unique<rm::Gateway>(go, *store, *sources, faults);
    }
};

std::string_view next_line(std::string_view& rest) {
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    return line;
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return std::string(s);
}

bool same_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static World world;
    std::string_view rest(reinterpret_cast<const char*>(data), size);

    httplib::Request req;
    std::string_view first = next_line(rest);
    size_t space = first.find(' ');
    if (space == std::string_view::npos || space == 0) {
        return 0; // the library's server refuses a request line without a method and target
    }
    req.method = std::string(first.substr(0, space));
    std::string_view target = first.substr(space + 1);
    target = target.substr(0, target.find(' ')); // "... HTTP/1.1" may follow
    if (target.empty()) {
        return 0;
    }
    req.target = std::string(target);
    size_t q = target.find('?');
    req.path = httplib::detail::decode_url(std::string(target.substr(0, q)), false);
    if (q != std::string_view::npos) {
        httplib::detail::parse_query_text(std::string(target.substr(q + 1)), req.params);
    }
    req.version = "HTTP/1.1";
    bool gzip = false;
    while (!rest.empty()) {
        std::string_view line = next_line(rest);
        if (line.empty()) {
            break;
        }
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            return 0; // the library refuses a malformed header line
        }
        std::string name(line.substr(0, colon));
        std::string value = trim(line.substr(colon + 1));
        gzip = gzip || (rm::is_gzip_encoding(value) && same_name(name, "Content-Encoding"));
        req.headers.emplace(std::move(name), std::move(value));
    }
    req.body = std::string(rest);
    if (gzip && !(req.body.size() >= 2 && static_cast<unsigned char>(req.body[0]) == 0x1f &&
                  static_cast<unsigned char>(req.body[1]) == 0x8b)) {
        req.body = rm::gzip_compress(req.body, 1);
    }
    req.remote_addr = "127.0.0.1";
    req.remote_port = 40000;

    httplib::Response res;
    world.gateway->handle(req, res, nullptr);
    if (res.status < 100 || res.status > 599) {
        std::abort();
    }
    if (++world.runs % 5000 == 0) { // keep the database and the registry small
        world.renew();
        (void)world.store->reset(std::nullopt);
    }
    return 0;
}
