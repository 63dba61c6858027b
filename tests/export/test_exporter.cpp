// The exporter against real servers: each format's structure, normalised exports of two runs
// byte-identical, decoded bodies, a curl script that replays onto another server, streaming
// (sink stops, progress), and /_mock/export giving the same bytes.
#include "export/export_support.hpp"
#include "util/clock.hpp"
#include "util/encoding.hpp"
#include "util/gzip.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

using rm::ExportFormat;
using rm::test::export_string;
using rm::test::options_for;
using rm::test::TempDir;
using rm::test::TestServer;
using json = nlohmann::json;

namespace {

void post_ok(const TestServer& srv, const std::string& path, const std::string& key,
             const std::string& body, httplib::Headers extra = {}) {
    auto c = srv.client();
    extra.emplace("Authorization", rm::test::basic(key));
    auto r = c.Post(path.c_str(), extra, body, "application/json");
    REQUIRE(r);
    REQUIRE(r->status == 200);
}

// The SDK's version (and its runtime's) differ between runs, not between events of a run.
std::string g_sdk_version = "1.0.0";

std::string sdk_event(const std::string& type, const std::string& fields,
                      const std::string& anonymous_id, const std::string& message_id) {
    const std::string now = rm::format_rfc3339_ms(rm::now_ms());
    return R"({"type":")" + type + R"(",)" + fields + R"(,"anonymousId":")" + anonymous_id +
           R"(","messageId":")" + message_id + R"(","originalTimestamp":")" + now +
           R"(","sentAt":")" + now +
           R"(","context":{"library":{"name":"analytics-test","version":")" + g_sdk_version +
           R"("},"locale":"en-US"},"_metadata":{"nodeVersion":"v)" + g_sdk_version + R"("}})";
}

// What an SDK sends for one test: fresh messageIds, a generated anonymousId and the current
// time on every run; a retried batch; a gzip batch; a user-chosen anonymousId.
void sdk_traffic(const TestServer& srv, const std::string& key) {
    g_sdk_version = "1." + std::to_string(rm::now_ms() % 1000) + ".0";
    const std::string anon = rm::random_uuid_v4();
    post_ok(srv, "/v1/identify", key,
            sdk_event("identify", R"("userId":"user-1","traits":{"plan":"pro"})", anon,
                      rm::random_uuid_v4()));
    std::string batch = R"({"batch":[)";
    for (int i = 0; i < 3; ++i) {
        batch += (i ? "," : "") +
                 sdk_event("track",
                           R"("userId":"user-1","event":"Item )" + std::to_string(i) +
                               R"(","properties":{"price":12.50,"n":)" + std::to_string(i) + "}",
                           anon, rm::random_uuid_v4());
    }
    batch += R"(],"sentAt":")" + rm::format_rfc3339_ms(rm::now_ms()) + "\"}";
    post_ok(srv, "/v1/batch", key, batch);
    post_ok(srv, "/v1/batch", key, batch, {{"AnonymousId", rm::base64_encode(anon)}}); // retry
    post_ok(srv, "/v1/page", key,
            sdk_event("page", R"("name":"Home")", "anon-fixed", rm::random_uuid_v4()));
    post_ok(srv, "/v1/batch", key,
            rm::gzip_compress(R"({"batch":[)" +
                              sdk_event("track", R"("userId":"user-2","event":"Zipped")",
                                        rm::random_uuid_v4(), rm::random_uuid_v4()) +
                              "]}"),
            {{"Content-Encoding", "gzip"}});
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        out.push_back(line);
    }
    return out;
}

// The fields HAR 1.2 requires, with their types.
void check_har(const json& har) {
    REQUIRE(har.is_object());
    const json& log = har.at("log");
    CHECK(log.at("version") == "1.2");
    CHECK(log.at("creator").at("name").is_string());
    CHECK(log.at("creator").at("version").is_string());
    REQUIRE(log.at("entries").is_array());
    for (const json& e : log.at("entries")) {
        CHECK(rm::looks_like_iso8601(e.at("startedDateTime").get<std::string>()));
        CHECK(e.at("time").is_number());
        const json& req = e.at("request");
        CHECK(req.at("method").is_string());
        CHECK(req.at("url").get<std::string>().rfind("http://", 0) == 0);
        CHECK(req.at("httpVersion").is_string());
        CHECK(req.at("cookies").is_array());
        for (const char* list : {"headers", "queryString"}) {
            REQUIRE(req.at(list).is_array());
            for (const json& h : req.at(list)) {
                CHECK(h.at("name").is_string());
                CHECK(h.at("value").is_string());
            }
        }
        if (req.contains("postData")) {
            CHECK(req.at("postData").at("mimeType").is_string());
            CHECK(req.at("postData").at("text").is_string());
        }
        CHECK(req.at("headersSize") == -1);
        CHECK(req.at("bodySize").is_number_integer());
        const json& res = e.at("response");
        CHECK(res.at("status").is_number_integer());
        CHECK(res.at("statusText").is_string());
        CHECK(res.at("httpVersion").is_string());
        CHECK(res.at("cookies").is_array());
        CHECK(res.at("headers").is_array());
        CHECK(res.at("content").at("size").is_number_integer());
        CHECK(res.at("content").at("mimeType").is_string());
        CHECK(res.at("redirectURL").is_string());
        CHECK(res.at("headersSize") == -1);
        CHECK(res.at("bodySize").is_number_integer());
        CHECK(e.at("cache").is_object());
        for (const char* t : {"send", "wait", "receive"}) {
            CHECK(e.at("timings").at(t).is_number());
        }
    }
}

std::string db_of(TestServer& srv) {
    return srv.app().store().path();
}

} // namespace

TEST_CASE("ndjson and json hold the stored events as stored - in id order", "[export]") {
    TestServer srv;
    sdk_traffic(srv, "wk-ex-1");
    const json listed = srv.admin_json("/_mock/events?limit=100")["events"];
    REQUIRE(listed.size() == 9);

    const std::string nd = export_string(db_of(srv), options_for(ExportFormat::ndjson));
    auto rows = lines(nd);
    REQUIRE(rows.size() == listed.size());
    for (size_t i = 0; i < rows.size(); ++i) {
        CHECK(json::parse(rows[i]) == listed[i]["payload"]);
    }
    CHECK(nd.back() == '\n');

    const std::string array = export_string(db_of(srv), options_for(ExportFormat::json));
    json parsed = json::parse(array);
    REQUIRE(parsed.is_array());
    REQUIRE(parsed.size() == listed.size());
    CHECK(parsed[8] == listed[8]["payload"]);
    // One event per line, the bytes of ndjson.
    auto array_lines = lines(array);
    REQUIRE(array_lines.size() == rows.size() + 2);
    CHECK(array_lines[1] == rows[0] + ",");
    CHECK(array_lines[rows.size()] == rows.back());

    auto filtered = rm::test::options_for(ExportFormat::ndjson);
    filtered.filter = rm::test::compiled("event:Zipped");
    CHECK(lines(export_string(db_of(srv), filtered)).size() == 1);
}

TEST_CASE("empty databases export valid empty files", "[export]") {
    TestServer srv;
    CHECK(export_string(db_of(srv), options_for(ExportFormat::ndjson)).empty());
    CHECK(export_string(db_of(srv), options_for(ExportFormat::json)) == "[]\n");
    json har = json::parse(export_string(db_of(srv), options_for(ExportFormat::har)));
    check_har(har);
    CHECK(har["log"]["entries"].empty());
    CHECK(export_string(db_of(srv), options_for(ExportFormat::curl)).rfind("#!/bin/sh\n", 0) == 0);
}

TEST_CASE("har: HAR 1.2 of the requests that carried events - bodies decoded", "[export]") {
    TestServer srv;
    sdk_traffic(srv, "wk-ex-har");
    auto refused = srv.post("/v1/track", "", R"({"userId":"x"})");
    REQUIRE(refused);
    REQUIRE(refused->status == 401);

    json har = json::parse(export_string(db_of(srv), options_for(ExportFormat::har)));
    check_har(har);
    const json& entries = har["log"]["entries"];
    REQUIRE(entries.size() == 5); // the 401 carried no event
    const json& first = entries[0];
    CHECK(first["request"]["method"] == "POST");
    CHECK(first["request"]["url"] ==
          "http://127.0.0.1:" + std::to_string(srv.port()) + "/v1/identify");
    CHECK(first["response"]["status"] == 200);
    CHECK(first["response"]["statusText"] == "OK");
    CHECK(first["timings"]["wait"] == first["time"]);
    // The gzip batch: the decoded body.
    const json& zipped = entries[4];
    const std::string text = zipped["request"]["postData"]["text"];
    CHECK(json::parse(text)["batch"][0]["event"] == "Zipped");
    CHECK(zipped["request"]["bodySize"] == text.size());

    auto all = options_for(ExportFormat::har);
    all.requests = rm::RequestScope::all;
    json every = json::parse(export_string(db_of(srv), all));
    check_har(every);
    REQUIRE(every["log"]["entries"].size() == 6);
    CHECK(every["log"]["entries"][5]["response"]["status"] == 401);
    CHECK_FALSE(
        every["log"]["entries"][5]["response"]["content"]["text"].get<std::string>().empty());
}

TEST_CASE("two runs of the same traffic give byte-identical normalised exports", "[export]") {
    TestServer a;
    TestServer b;
    sdk_traffic(a, "wk-norm");
    std::this_thread::sleep_for(std::chrono::milliseconds(5)); // other timestamps
    sdk_traffic(b, "wk-norm");
    for (auto format :
         {ExportFormat::ndjson, ExportFormat::json, ExportFormat::har, ExportFormat::curl}) {
        INFO("format " << rm::export_format_name(format));
        CHECK(export_string(db_of(a), options_for(format)) !=
              export_string(db_of(b), options_for(format)));
        CHECK(export_string(db_of(a), options_for(format, true)) ==
              export_string(db_of(b), options_for(format, true)));
    }
    auto rows = lines(export_string(db_of(a), options_for(ExportFormat::ndjson, true)));
    REQUIRE(rows.size() == 9);
    // Links survive: the retried batch repeats the first batch's placeholders.
    for (int i = 0; i < 3; ++i) {
        json first = json::parse(rows[1 + i]);
        json retry = json::parse(rows[4 + i]);
        CHECK(first["messageId"] == "<messageId-" + std::to_string(2 + i) + ">");
        CHECK(retry["messageId"] == first["messageId"]);
    }
    json identify = json::parse(rows[0]);
    CHECK(identify["anonymousId"] == "<anonymousId-1>");
    CHECK(json::parse(rows[3])["anonymousId"] == "<anonymousId-1>"); // the same user
    CHECK(json::parse(rows[7])["anonymousId"] == "anon-fixed");      // chosen by the test
    CHECK(identify["sentAt"] == "<timestamp>");
    CHECK(identify["context"]["library"]["version"].get<std::string>().rfind("<library.version-",
                                                                             0) == 0);
    CHECK(identify["traits"]["plan"] == "pro");
    json har = json::parse(export_string(db_of(a), options_for(ExportFormat::har, true)));
    check_har(har);
    const json& retry = har["log"]["entries"][2]["request"];
    CHECK(retry["url"] == "http://localhost/v1/batch");
    bool anonymous_header = false;
    for (const json& h : retry["headers"]) {
        if (h["name"] == "AnonymousId") {
            anonymous_header = true;
            CHECK(h["value"] == "<anonymousId-1>");
        }
        if (h["name"] == "Content-Length") {
            CHECK(h["value"] ==
                  std::to_string(retry["postData"]["text"].get<std::string>().size()));
        }
    }
    CHECK(anonymous_header);
}

TEST_CASE("curl: a script that replays the requests onto another server", "[export]") {
    TempDir dir("export-curl");
    TestServer a;
    TestServer b;
    sdk_traffic(a, "wk-replay");
    const std::string script = export_string(db_of(a), options_for(ExportFormat::curl));
    CHECK(script.rfind("#!/bin/sh\n", 0) == 0);
    CHECK(script.find("\"${RUDDERMOCK_URL:-http://127.0.0.1:8080}\"'/v1/batch'") !=
          std::string::npos);
    for (const char* dropped : {"-H 'Host:", "-H 'Content-Length:", "-H 'Content-Encoding:"}) {
        CHECK(script.find(dropped) == std::string::npos);
    }
    CHECK(script.find("Zipped") != std::string::npos); // the gzip body, decoded
    std::ofstream(dir / "replay.sh") << script;
    const std::string cmd = "RUDDERMOCK_URL=http://127.0.0.1:" + std::to_string(b.port()) + " sh " +
                            (dir / "replay.sh") + " > " + (dir / "replay.out") + " 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    CHECK(lines(slurp(dir / "replay.out")) == std::vector<std::string>(5, "ok"));
    // The replayed server holds the same events (only what changes per run differs).
    CHECK(export_string(db_of(b), options_for(ExportFormat::ndjson, true)) ==
          export_string(db_of(a), options_for(ExportFormat::ndjson, true)));
}

TEST_CASE("curl: bodies with quotes - percent signs and control bytes replay exactly", "[export]") {
    TempDir dir("export-curl-bytes");
    TestServer a;
    TestServer b;
    const std::string body = "{\"userId\":\"it's 100% \\\\ \\\"x\\\" $HOME `id`\",\"event\":"
                             "\"a\\u0001b\"}\n\t";
    post_ok(a, "/v1/track", "wk-bytes", body);
    auto bad = a.post("/v1/track", "wk-bytes", std::string("{\"x\":\"\x01\x02\"}"));
    REQUIRE(bad);
    auto all = options_for(ExportFormat::curl);
    all.requests = rm::RequestScope::all;
    std::ofstream(dir / "replay.sh") << export_string(db_of(a), all);
    const std::string cmd = "RUDDERMOCK_URL=http://127.0.0.1:" + std::to_string(b.port()) + " sh " +
                            (dir / "replay.sh") + " > /dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    auto requests = b.admin_json("/_mock/requests?limit=10")["requests"];
    REQUIRE(requests.size() == 2);
    CHECK(requests[0]["body"] == body);
    CHECK(requests[1]["body"] == std::string("{\"x\":\"\x01\x02\"}"));
    CHECK(requests[1]["status"] == bad->status);
}

TEST_CASE("the export streams: a sink that stops ends it - progress counts rows", "[export]") {
    TestServer srv;
    std::string batch = R"({"batch":[)";
    for (int i = 0; i < 400; ++i) {
        batch += (i ? "," : "") + std::string(R"({"type":"track","userId":"u","event":"e )") +
                 std::to_string(i) + R"(","properties":{"pad":")" + std::string(300, 'p') + "\"}}";
    }
    batch += "]}";
    post_ok(srv, "/v1/batch", "wk-stream", batch);
    auto reader = rm::Reader::open(db_of(srv));
    REQUIRE(reader);
    int chunks = 0;
    size_t largest = 0;
    auto stopped =
        rm::run_export(**reader, options_for(ExportFormat::ndjson), [&](std::string_view chunk) {
            ++chunks;
            largest = std::max(largest, chunk.size());
            return false;
        });
    CHECK_FALSE(stopped);
    CHECK(chunks == 1);
    CHECK(largest < 80 * 1024);

    std::vector<std::pair<int64_t, int64_t>> calls;
    int64_t bytes = 0;
    auto done = rm::run_export(
        **reader, options_for(ExportFormat::ndjson),
        [&](std::string_view chunk) {
            bytes += static_cast<int64_t>(chunk.size());
            CHECK(chunk.size() < 80 * 1024);
            return true;
        },
        [&](int64_t d, int64_t t) { calls.emplace_back(d, t); });
    REQUIRE(done);
    CHECK(done->rows == 400);
    CHECK(done->bytes == bytes);
    REQUIRE(calls.size() >= 2);
    CHECK(calls.front() == std::pair<int64_t, int64_t>{0, 400});
    CHECK(calls.back() == std::pair<int64_t, int64_t>{400, 400});
}

TEST_CASE("/_mock/export streams the exporter's bytes - bad parameters are 400", "[export]") {
    TestServer srv;
    sdk_traffic(srv, "wk-admin-export");
    auto c = srv.client();
    struct Case {
        const char* query;
        ExportFormat format;
        bool normalize;
        const char* type;
    };
    for (const Case& k :
         {Case{"format=ndjson", ExportFormat::ndjson, false, "application/x-ndjson"},
          Case{"format=json&normalize=1", ExportFormat::json, true, "application/json"},
          Case{"format=har", ExportFormat::har, false, "application/json"},
          Case{"format=curl&normalize=true", ExportFormat::curl, true, "text/x-shellscript"}}) {
        INFO(k.query);
        auto res = c.Get(("/_mock/export?" + std::string(k.query)).c_str());
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(res->get_header_value("Content-Type") == k.type);
        CHECK(res->get_header_value("Transfer-Encoding") == "chunked");
        CHECK(res->body == export_string(db_of(srv), options_for(k.format, k.normalize)));
    }
    auto filtered = c.Get("/_mock/export?format=ndjson&filter=event%3AZipped");
    REQUIRE(filtered);
    CHECK(lines(filtered->body).size() == 1);

    for (const char* bad :
         {"format=xml", "format=ndjson&normalize=yes", "format=ndjson&filter=type%3A",
          "format=har&requests=some", "format=har&requests=all&filter=type%3Atrack"}) {
        INFO(bad);
        auto res = c.Get(("/_mock/export?" + std::string(bad)).c_str());
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK(json::parse(res->body).contains("error"));
    }
    auto filter_error = c.Get("/_mock/export?format=ndjson&filter=type%3A");
    REQUIRE(filter_error);
    CHECK(json::parse(filter_error->body)["error"].get<std::string>().find("position") !=
          std::string::npos);
}
