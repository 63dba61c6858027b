#include "forward/forwarder.hpp"

#include "storage/store.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

namespace rm {

namespace {
// As the HTTP workers (server/http_server.cpp): below the writer thread, which every local
// request waits for, but not starved by the workers either.
constexpr int k_forward_nice = 10;
// The longest idle sleep between checks for stop(); no query runs unless a commit happened.
constexpr auto k_idle_check = std::chrono::milliseconds(100);
constexpr auto k_read_error_pause = std::chrono::milliseconds(1000);

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// Headers the client sets itself (Host, Content-Length: the body is sent decoded, so also
// without its Content-Encoding) and hop-by-hop ones that belong to the original connection.
bool dropped_header(std::string_view name) {
    static constexpr std::string_view k_names[] = {"Host",
                                                   "Content-Length",
                                                   "Connection",
                                                   "Content-Encoding",
                                                   "Transfer-Encoding",
                                                   "Keep-Alive",
                                                   "TE",
                                                   "Trailer",
                                                   "Upgrade",
                                                   "Proxy-Connection",
                                                   "Expect"};
    for (std::string_view n : k_names) {
        if (iequals(n, name)) {
            return true;
        }
    }
    return false;
}

// Worth trying again later: no answer, the upstream is overloaded or failing.
bool retryable(int status) {
    return status == 0 || status == 429 || status >= 500;
}

std::string describe(int status) {
    return status == 0 ? std::string("no answer") : "status " + std::to_string(status);
}
} // namespace

Result<ForwardTarget> parse_forward_url(const std::string& url) {
    const std::string_view scheme = "http://";
    if (url.rfind(scheme, 0) != 0) {
        if (url.rfind("https://", 0) == 0) {
            return make_error("--forward: https is not supported, give an http:// URL (got '" +
                              url + "')");
        }
        return make_error("--forward must start with http://, got '" + url + "'");
    }
    const std::string rest = url.substr(scheme.size());
    const size_t slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    std::string path = slash == std::string::npos ? std::string() : rest.substr(slash);
    if (path.find_first_of("?#") != std::string::npos ||
        authority.find_first_of("?#") != std::string::npos) {
        return make_error("--forward takes no query or fragment, got '" + url + "'");
    }
    if (authority.find('@') != std::string::npos) {
        return make_error("--forward takes no user name or password, got '" + url + "'");
    }
    ForwardTarget t;
    t.url = url;
    std::string port_text;
    if (!authority.empty() && authority[0] == '[') { // [IPv6]:port
        const size_t close = authority.find(']');
        if (close == std::string::npos) {
            return make_error("--forward: unclosed '[' in '" + url + "'");
        }
        t.host = authority.substr(1, close - 1);
        std::string after = authority.substr(close + 1);
        if (!after.empty() && after[0] != ':') {
            return make_error("--forward: bad host in '" + url + "'");
        }
        port_text = after.empty() ? "" : after.substr(1);
        if (after == ":") {
            port_text = ":"; // an empty port: refused below
        }
    } else if (size_t colon = authority.rfind(':'); colon != std::string::npos) {
        t.host = authority.substr(0, colon);
        port_text = authority.substr(colon + 1);
        if (port_text.empty()) {
            port_text = ":";
        }
    } else {
        t.host = authority;
    }
    if (t.host.empty()) {
        return make_error("--forward needs a host, e.g. http://127.0.0.1:8080, got '" + url + "'");
    }
    if (!port_text.empty()) {
        int port = 0;
        auto [ptr, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port < 1 ||
            port > 65535) {
            return make_error("--forward: the port must be from 1 to 65535, got '" + url + "'");
        }
        t.port = port;
    }
    while (!path.empty() && path.back() == '/') {
        path.pop_back();
    }
    t.base_path = path;
    return t;
}

bool forwards_to_itself(const ForwardTarget& target, const std::string& bind, int port) {
    if (target.port != port) {
        return false;
    }
    for (const char* loopback : {"127.0.0.1", "localhost", "::1"}) {
        if (iequals(target.host, loopback)) {
            return bind == "127.0.0.1" || bind == "0.0.0.0" || bind == "::" || bind == "::1" ||
                   iequals(bind, "localhost");
        }
    }
    return iequals(target.host, bind);
}

Forwarder::Forwarder(Store& store, ForwarderOptions options)
    : m_store(store), m_options(std::move(options)) {
    m_client = std::make_unique<httplib::Client>(m_options.target.host, m_options.target.port);
    m_client->set_keep_alive(true);
    m_client->set_url_encode(false); // the stored path and query go out as they came in
    m_client->set_decompress(false); // the answer's body is not used
    m_client->set_connection_timeout(m_options.connect_timeout);
    m_client->set_read_timeout(m_options.read_timeout);
    m_client->set_write_timeout(m_options.read_timeout);
}

Forwarder::~Forwarder() {
    stop();
}

void Forwarder::start() {
    if (m_thread.joinable()) {
        return;
    }
    m_thread = std::thread([this] {
        pthread_setname_np(pthread_self(), "rm-forward");
        setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), k_forward_nice);
        try {
            run();
        } catch (const std::exception& e) { // a bug: forwarding stops, the server goes on
            log::error(std::string("forward: stopped by an unexpected error: ") + e.what());
        } catch (...) {
            log::error("forward: stopped by an unexpected error");
        }
        {
            std::lock_guard lock(m_mutex); // stop() waits for it under the mutex
            m_ended.store(true);
        }
        m_wake.notify_all();
    });
}

void Forwarder::stop() {
    if (!m_thread.joinable()) {
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    // Client::stop() aborts only a send already under way: repeat it until the thread has
    // seen the flag, in case it was just starting one.
    while (!m_ended.load()) {
        m_client->stop();
        std::unique_lock lock(m_mutex);
        m_wake.wait_for(lock, std::chrono::milliseconds(20), [&] { return m_ended.load(); });
    }
    m_thread.join();
}

bool Forwarder::stopping() {
    std::lock_guard lock(m_mutex);
    return m_stopping;
}

bool Forwarder::pause(std::chrono::milliseconds d) {
    std::unique_lock lock(m_mutex);
    return !m_wake.wait_for(lock, d, [&] { return m_stopping; });
}

int Forwarder::send(const StoredRequest& r) {
    httplib::Request req;
    req.method = r.record.method;
    req.path = m_options.target.base_path + r.record.path;
    if (!r.record.query.empty()) {
        req.path += "?" + r.record.query;
    }
    // The journal keeps headers as {"name": "value" or ["repeated", "values"]}.
    auto headers = nlohmann::json::parse(r.record.headers_json, nullptr, false);
    if (headers.is_object()) {
        for (const auto& [name, value] : headers.items()) {
            if (dropped_header(name)) {
                continue;
            }
            if (value.is_string()) {
                req.headers.emplace(name, value.get<std::string>());
            } else if (value.is_array()) {
                for (const auto& v : value) {
                    if (v.is_string()) {
                        req.headers.emplace(name, v.get<std::string>());
                    }
                }
            }
        }
    }
    req.body = r.record.body;
    auto res = m_client->send(req);
    return res ? res->status : 0;
}

void Forwarder::run() {
    const std::string& url = m_options.target.url;
    auto backoff = m_options.first_backoff;
    bool failing = false;        // the upstream's last answer was one to retry
    std::string last_read_error; // logged once, not at every retry
    while (!stopping()) {
        // Read the generation first: a commit after the read still ends the idle wait below.
        const uint64_t seen = m_store.generation();
        auto batch = m_store.forward_pending(m_store.forward_window());
        if (!batch) {
            if (batch.error().message != last_read_error) {
                last_read_error = batch.error().message;
                log::error("forward: cannot read the queue: " + last_read_error);
            }
            pause(k_read_error_pause);
            continue;
        }
        last_read_error.clear();
        if (batch->empty()) {
            while (!stopping() && m_store.generation() == seen) {
                m_store.wait_for_change(seen, std::chrono::steady_clock::now() + k_idle_check);
            }
            continue;
        }
        // One at a time, oldest first. Outcomes are reported together once the batch is
        // sent (or at the first failure), so the next read sees them.
        std::vector<ForwardOutcome> outcomes;
        bool retry = false;
        for (const StoredRequest& r : *batch) {
            if (stopping()) {
                break;
            }
            const int status = send(r);
            if (stopping() && status == 0) {
                break; // aborted by stop(): not the upstream's doing, it stays queued
            }
            if (retryable(status)) {
                // Noted in the journal (once per distinct answer) while it stays queued.
                if (r.forward_status != status) {
                    outcomes.push_back(ForwardOutcome{r.id, status, false});
                }
                if (!failing) {
                    log::warn("forward: " + url + " gave " + describe(status) +
                              "; retrying with backoff, requests stay queued");
                    failing = true;
                }
                retry = true;
                break;
            }
            if (failing) {
                log::info("forward: " + url + " answers again");
                failing = false;
            }
            backoff = m_options.first_backoff;
            outcomes.push_back(ForwardOutcome{r.id, status, true});
        }
        if (auto st = m_store.forward_record(std::move(outcomes)); !st) {
            log::error("forward: cannot record outcomes: " + st.error().message);
            pause(k_read_error_pause);
            continue;
        }
        if (retry) {
            pause(backoff);
            backoff = std::min(backoff * 2, m_options.max_backoff);
        }
    }
}

} // namespace rm
