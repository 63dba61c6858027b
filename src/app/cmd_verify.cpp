// `ruddermock verify`: compares the events of a database (read-only, also while a server
// writes it) or of a running server (GET /_mock/events pages) with a fixture, prints the
// differences and exits 1 when there are any. The comparison is export/verify.hpp's; this
// file is the command line and the reading of both sides.
#include "app/flag_reader.hpp"
#include "export/verify.hpp"
#include "forward/forwarder.hpp"
#include "protocol/json_scan.hpp"
#include "query/filter.hpp"
#include "storage/reader.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <httplib.h>
#include <iostream>
#include <optional>
#include <sstream>

namespace rm {

int cmd_verify(const std::vector<std::string>& args);

namespace {

constexpr const char* k_usage =
    R"(Usage: ruddermock verify --expect FILE [--db FILE | --url URL] [--filter EXPR]
                         [--ignore PATH]... [--any-order] [--admin-token T]

Compares the events ruddermock captured with the events of a fixture (as written by
`ruddermock export --format ndjson --normalize`) and prints every difference.

  --expect FILE    the expected events: NDJSON, one event per line (or a JSON array)
  --db FILE        the captured events: this database (default ./ruddermock.db), read
                   read-only; it may be in use by a running server
  --url URL        instead, the events of the running ruddermock at URL
                   (http://127.0.0.1:8080), read through GET /_mock/events
  --admin-token T  with --url: the server's --admin-token
  --filter EXPR    compare only the captured events matching EXPR (the fixture is taken
                   whole), e.g. 'key:my-test-key', 'type:track user:u1'
  --ignore PATH    leave PATH out of both sides, e.g. context.userAgent, properties.debug,
                   properties.products[*].sku; repeatable
  --any-order      events match whatever their order; by default order matters within one
                   user (userId, else anonymousId) and type, not across users
  --help           this text

Both sides are normalised as export --normalize does: values that change on every run
(messageIds, SDK-made anonymousIds, timestamps, ...) compare equal, but which events share
one still counts (a retry sends the same messageId again).

Prints "missing: ..." (expected, not found), "unexpected: ..." (found, not expected) and
"event N (...): PATH: expected X, got Y" lines, then
"verify: 12 expected, 12 found, 0 missing, 0 unexpected, 0 different".

Exit codes: 0 the events match, 1 they differ, 2 bad flags or filter, an unreadable or
invalid fixture, an unreadable database, an unreachable --url.
)";

struct Args {
    std::string expect;
    std::string db;
    std::string url;
    std::string admin_token;
    std::string filter;
    VerifyOptions options;
    bool help = false;
};

Result<Args> parse_args(const std::vector<std::string>& args) {
    Args out;
    for (FlagReader r(args); r.next();) {
        const std::string& flag = r.flag();
        auto value = [&] { return r.value(); };
        if (flag == "--help" || flag == "-h") {
            out.help = true;
        } else if (flag == "--any-order") {
            if (auto st = r.no_value(); !st) {
                return st.error();
            }
            out.options.any_order = true;
        } else if (flag == "--expect" || flag == "--db" || flag == "--url" || flag == "--filter" ||
                   flag == "--ignore" || flag == "--admin-token") {
            auto v = value();
            if (!v) {
                return v.error();
            }
            if (flag == "--expect") {
                out.expect = *v;
            } else if (flag == "--db") {
                out.db = *v;
                if (out.db.empty()) {
                    return make_error("--db needs a file");
                }
            } else if (flag == "--url") {
                out.url = *v;
                if (out.url.empty()) {
                    return make_error("--url needs a URL");
                }
            } else if (flag == "--filter") {
                out.filter = *v;
            } else if (flag == "--admin-token") {
                out.admin_token = *v;
            } else {
                if (auto st = check_ignore_path(*v); !st) {
                    return st.error();
                }
                out.options.ignore.push_back(*v);
            }
        } else {
            return make_error("unknown option '" + flag + "' (ruddermock verify --help)");
        }
    }
    if (out.help) {
        return out;
    }
    if (out.expect.empty()) {
        return make_error("missing --expect FILE (the expected events)");
    }
    if (!out.db.empty() && !out.url.empty()) {
        return make_error("give --db or --url, not both");
    }
    if (out.url.empty() && out.db.empty()) {
        out.db = "ruddermock.db";
    }
    if (!out.admin_token.empty() && out.url.empty()) {
        return make_error("--admin-token goes with --url");
    }
    return out;
}

int fail(const std::string& message) {
    std::cerr << "ruddermock verify: " << message << "\n";
    return 2;
}

Result<std::vector<VerifyEvent>> read_fixture(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return make_error("cannot read " + path + ": " + std::strerror(errno));
    }
    std::stringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return make_error("cannot read " + path + ": " + std::strerror(errno));
    }
    auto events = parse_fixture(text.str());
    if (!events) {
        return make_error(path + ": " + events.error().message);
    }
    return events;
}

Result<std::vector<VerifyEvent>> read_db(const std::string& path, const query::Sql& filter) {
    auto reader = Reader::open(path);
    if (!reader) {
        return reader.error();
    }
    std::vector<VerifyEvent> out;
    Status st = (*reader)->each_event(filter, Page{}, [&](const StoredEvent& e) {
        out.push_back({e.payload_json, e.id});
        return true;
    });
    if (!st) {
        return st.error();
    }
    return out;
}

// A page of GET /_mock/events: each event's payload and id, and next_since.
struct EventsPage {
    std::vector<VerifyEvent> events;
    int64_t next_since = 0;
};

Result<EventsPage> parse_events_page(std::string_view body) {
    auto bad = [] { return make_error("not an events page of a ruddermock admin API"); };
    if (!json::validate(body, 10000) || json::kind_of(json::trim(body)) != json::Kind::object) {
        return bad();
    }
    auto integer = [](std::string_view v, int64_t& out) {
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
        return ec == std::errc() && p == v.data() + v.size();
    };
    EventsPage page;
    std::string_view events;
    for (const auto& m : json::members(json::trim(body))) {
        if (json::key_is(m.key, "next_since") && !integer(m.value, page.next_since)) {
            return bad();
        }
        if (json::key_is(m.key, "events") && json::kind_of(m.value) == json::Kind::array) {
            events = m.value;
        }
    }
    if (events.empty()) {
        return bad();
    }
    for (std::string_view element : json::elements(events)) {
        VerifyEvent e;
        for (const auto& f : json::kind_of(element) == json::Kind::object
                                 ? json::members(element)
                                 : std::vector<json::Member>{}) {
            if (json::key_is(f.key, "id") && !integer(f.value, e.origin)) {
                return bad();
            }
            if (json::key_is(f.key, "payload") && json::kind_of(f.value) == json::Kind::object) {
                e.json = std::string(f.value);
            }
        }
        if (e.json.empty()) {
            return bad(); // each event has its payload object
        }
        page.events.push_back(std::move(e));
    }
    return page;
}

std::string http_error_text(httplib::Error e) {
    switch (e) {
    case httplib::Error::Connection:
        return "no connection (refused, or no such host)";
    case httplib::Error::ConnectionTimeout:
        return "the connection timed out";
    case httplib::Error::Read:
        return "no answer (the connection closed or timed out)";
    case httplib::Error::Write:
        return "the connection closed while sending";
    default:
        return httplib::to_string(e);
    }
}

// Every event of the server at url matching filter, in id order, 10000 per request.
Result<std::vector<VerifyEvent>> read_url(const std::string& url, const std::string& filter,
                                          const std::string& token) {
    auto target = parse_forward_url(url);
    if (!target) {
        std::string message = target.error().message;
        if (size_t at = message.find("--forward"); at != std::string::npos) {
            message.replace(at, 9, "--url");
        }
        return make_error(message);
    }
    httplib::Client client(target->host, target->port);
    client.set_connection_timeout(std::chrono::seconds(5));
    client.set_read_timeout(std::chrono::seconds(60));
    httplib::Headers headers;
    if (!token.empty()) {
        headers.emplace("Authorization", "Bearer " + token);
    }
    constexpr int64_t k_page = 10000;
    std::vector<VerifyEvent> out;
    int64_t since = 0;
    for (;;) {
        httplib::Params params{{"limit", std::to_string(k_page)}, {"since", std::to_string(since)}};
        if (!filter.empty()) {
            params.emplace("filter", filter);
        }
        auto res = client.Get(target->base_path + "/_mock/events", params, headers);
        if (!res) {
            return make_error("cannot reach " + url + ": " + http_error_text(res.error()));
        }
        if (res->status == 401) {
            return make_error(url + " needs its admin token (--admin-token)");
        }
        if (res->status != 200) {
            std::string body = res->body.substr(0, 300);
            while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) {
                body.pop_back();
            }
            return make_error("GET " + url + "/_mock/events answered " +
                              std::to_string(res->status) + (body.empty() ? "" : ": " + body) +
                              (res->status == 404 ? " (is it a ruddermock?)" : ""));
        }
        auto page = parse_events_page(res->body);
        if (!page) {
            return make_error(url + ": " + page.error().message);
        }
        const size_t n = page->events.size();
        for (auto& e : page->events) {
            out.push_back(std::move(e));
        }
        if (static_cast<int64_t>(n) < k_page || page->next_since <= since) {
            return out;
        }
        since = page->next_since;
    }
}

} // namespace

int cmd_verify(const std::vector<std::string>& argv) {
    auto args = parse_args(argv);
    if (!args) {
        return fail(args.error().message);
    }
    if (args->help) {
        std::cout << k_usage;
        return 0;
    }
    query::Sql filter;
    if (!args->filter.empty()) {
        auto parsed = query::parse(args->filter);
        if (!parsed) {
            return fail(parsed.error().message);
        }
        auto compiled = query::compile(*parsed);
        if (!compiled) {
            return fail(compiled.error().message);
        }
        filter = std::move(*compiled);
    }
    auto expected = read_fixture(args->expect);
    if (!expected) {
        return fail(expected.error().message);
    }
    auto found = args->url.empty() ? read_db(args->db, filter)
                                   : read_url(args->url, args->filter, args->admin_token);
    if (!found) {
        return fail(found.error().message);
    }
    auto report = verify_events(*expected, *found, args->options);
    if (!report) {
        return fail(report.error().message);
    }
    for (const auto& finding : report->findings) {
        for (const auto& line : finding.lines) {
            std::cout << line << "\n";
        }
    }
    std::cout << report->summary() << "\n";
    std::cout.flush();
    return report->ok() ? 0 : 1;
}

} // namespace rm
