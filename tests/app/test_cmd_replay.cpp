// `ruddermock replay` as a user runs it: a fixture exported from one server sent to another
// (single calls, batches, HAR), retries through fault plans, refused events named by line,
// an unreachable target and bad input files.
#include "export/normalize.hpp"
#include "export/replay.hpp"
#include "support/cli_run.hpp"
#include "util/clock.hpp"
#include "util/encoding.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <set>
#include <spawn.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

using rm::test::closed_port;
using rm::test::run;
using rm::test::Run;
using rm::test::slurp;
using rm::test::TempDir;
using rm::test::TestServer;
using rm::test::url_of;
using rm::test::write_file;

namespace {

// Five SDK-like events in one batch (fresh ids and times).
void send_run(const TestServer& srv, const std::string& key) {
    const std::string now = rm::format_rfc3339_ms(rm::now_ms());
    const std::string anon = rm::random_uuid_v4();
    auto event = [&](const std::string& fields) {
        return "{" + fields + R"(,"anonymousId":")" + anon + R"(","messageId":")" +
               rm::random_uuid_v4() + R"(","originalTimestamp":")" + now +
               R"(","context":{"library":{"name":"analytics-node","version":"1.0.0"}}})";
    };
    const std::string batch =
        R"({"sentAt":")" + now + R"(","batch":[)" +
        event(R"("type":"identify","userId":"u1","traits":{"plan":"pro"})") + "," +
        event(
            R"("type":"track","userId":"u1","event":"Order Completed","properties":{"total":10})") +
        "," +
        event(
            R"("type":"track","userId":"u2","event":"Order Completed","properties":{"total":20})") +
        "," + event(R"("type":"page","name":"Home")") + "," +
        event(R"("type":"track","userId":"u1","event":"Signed Out")") + "]}";
    auto r = srv.post("/v1/batch", key, batch);
    REQUIRE(r);
    REQUIRE(r->status == 200);
}

void put_plan(const TestServer& srv, const std::string& plan) {
    auto c = srv.client();
    auto res = c.Put("/_mock/faults", plan, "application/json");
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 200);
}

// The source of every test: a server that captured one run, and its normalised export.
struct Source {
    TempDir dir;
    TestServer server;
    std::string db;
    std::string fixture;
    explicit Source(const std::string& tag)
        : dir(tag), server(rm::test::file_config(dir / "source.db")), db(dir / "source.db"),
          fixture(dir / "expected.ndjson") {
        send_run(server, "wk-source");
        REQUIRE(run(dir, {"export", "--db", db, "--format", "ndjson", "--normalize", "-o", fixture})
                    .code == 0);
    }
};

const std::string k_verified =
    "verify: 5 expected, 5 found, 0 missing, 0 unexpected, 0 different\n";

} // namespace

TEST_CASE("replay sends a fixture to another server - one call per event or in batches",
          "[replay][cli]") {
    Source src("cmd-replay");
    TestServer target(rm::test::file_config(src.dir / "target.db"));
    Run r = run(src.dir, {"replay", src.fixture, "--to", url_of(target), "--write-key", "wk-one"});
    CHECK(r.err.empty());
    CHECK(r.out == "replay: 5 events in 5 requests to " + url_of(target) +
                       ": 5 delivered, 0 refused, 0 failed, 0 not sent; answers: 200 (5)\n");
    CHECK(r.code == 0);
    auto events = target.admin_json("/_mock/events?writeKey=wk-one");
    REQUIRE(events["events"].size() == 5);
    std::set<std::string> ids;
    for (const auto& e : events["events"]) {
        const std::string payload = e["payload"].dump();
        CHECK(payload.find("<messageId") == std::string::npos);
        CHECK(payload.find("<timestamp>") == std::string::npos);
        CHECK(rm::Normalizer::looks_like_uuid(e["message_id"].get<std::string>()));
        ids.insert(e["message_id"].get<std::string>());
    }
    CHECK(ids.size() == 5);
    CHECK(events["events"][1]["payload"]["properties"]["total"] == 10);
    CHECK(events["events"][3]["payload"]["type"] == "page");
    CHECK(events["events"][3]["payload"]["anonymousId"] ==
          events["events"][0]["payload"]["anonymousId"]);
    // What arrived is what the fixture says.
    Run v = run(src.dir, {"verify", "--expect", src.fixture, "--db", src.dir / "target.db"});
    CHECK(v.out == k_verified);

    TestServer batched(rm::test::file_config(src.dir / "batched.db"));
    Run b = run(src.dir, {"replay", src.fixture, "--to", url_of(batched), "--write-key", "wk-two",
                          "--batch", "2"});
    CHECK(b.out == "replay: 5 events in 3 requests to " + url_of(batched) +
                       ": 5 delivered, 0 refused, 0 failed, 0 not sent; answers: 200 (3)\n");
    CHECK(b.code == 0);
    CHECK(batched.admin_json("/_mock/requests?path=/v1/batch")["requests"].size() == 3);
    CHECK(run(src.dir, {"verify", "--expect", src.fixture, "--db", src.dir / "batched.db"}).out ==
          k_verified);
}

TEST_CASE("replay of a HAR export", "[replay][cli]") {
    Source src("cmd-replay-har");
    const std::string har = src.dir / "requests.har";
    REQUIRE(run(src.dir, {"export", "--db", src.db, "--format", "har", "--normalize", "-o", har})
                .code == 0);
    TestServer target(rm::test::file_config(src.dir / "target.db"));
    Run r = run(src.dir, {"replay", har, "--to", url_of(target), "--write-key", "wk-har"});
    CHECK(r.out == "replay: 1 requests to " + url_of(target) +
                       ": 1 delivered, 0 refused, 0 failed, 0 not sent; answers: 200 (1)\n");
    CHECK(r.code == 0);
    auto requests = target.admin_json("/_mock/requests");
    REQUIRE(requests["requests"].size() == 1);
    CHECK(requests["requests"][0]["write_key"] == "wk-har");
    CHECK(requests["requests"][0]["path"] == "/v1/batch");
    CHECK(run(src.dir, {"verify", "--expect", src.fixture, "--db", src.dir / "target.db"}).out ==
          k_verified);
    // Without --write-key each entry keeps its own key.
    TestServer own(rm::test::file_config(src.dir / "own.db"));
    Run o = run(src.dir, {"replay", har, "--to", url_of(own)});
    CHECK(o.code == 0);
    auto own_requests = own.admin_json("/_mock/requests");
    REQUIRE(own_requests["requests"].size() == 1);
    CHECK(own_requests["requests"][0]["write_key"] == "wk-source");
    Run batch =
        run(src.dir, {"replay", har, "--to", url_of(target), "--write-key", "k", "--batch", "3"});
    CHECK(batch.code == 2);
    CHECK(batch.err.find("--batch is for NDJSON events") != std::string::npos);
}

TEST_CASE("replay retries 503s and honours Retry-After", "[replay][cli]") {
    Source src("cmd-replay-retry");
    TestServer target;
    put_plan(target, R"({"rules":[{"id":"twice","trigger":{"first":2},"effect":{"status":503}}]})");
    Run r = run(src.dir, {"replay", src.fixture, "--to", url_of(target), "--write-key", "wk-r"});
    CHECK(r.out ==
          "replay: 5 events in 5 requests to " + url_of(target) +
              ": 5 delivered, 0 refused, 0 failed, 0 not sent; answers: 200 (5), 503 (2)\n");
    CHECK(r.code == 0);
    CHECK(target.admin_json("/_mock/events?writeKey=wk-r")["events"].size() == 5);

    TestServer slow;
    put_plan(slow, R"({"rules":[{"id":"wait","trigger":{"first":1},
                      "effect":{"status":429,"headers":{"Retry-After":"1"}}}]})");
    const auto start = std::chrono::steady_clock::now();
    Run w = run(src.dir, {"replay", src.fixture, "--to", url_of(slow), "--write-key", "wk-w",
                          "--batch", "10"});
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(1000));
    CHECK(w.code == 0);
    CHECK(w.out.find("answers: 200 (1), 429 (1)") != std::string::npos);

    // 503 for ever: each request gives up after its attempts, nothing is delivered.
    TestServer down;
    put_plan(down, R"({"rules":[{"id":"down","effect":{"status":503}}]})");
    Run d = run(src.dir, {"replay", src.fixture, "--to", url_of(down), "--write-key", "wk-d",
                          "--batch", "3", "--attempts", "2"});
    CHECK(d.code == 1);
    CHECK(d.out.find("lines 1-3: not delivered: 503 Service Unavailable after 2 attempts\n") !=
          std::string::npos);
    CHECK(d.out.find("lines 4-5: not delivered: 503") != std::string::npos);
    CHECK(d.out.find(": 0 delivered, 0 refused, 5 failed, 0 not sent; answers: 503 (4)\n") !=
          std::string::npos);
}

TEST_CASE("replay reports refused events by line and paces with --rate", "[replay][cli]") {
    Source src("cmd-replay-refused");
    TestServer target;
    put_plan(target, R"({"rules":[{"id":"no","trigger":{"nth":[2]},"effect":{"status":400}}]})");
    const auto start = std::chrono::steady_clock::now();
    Run r = run(src.dir, {"replay", src.fixture, "--to", url_of(target), "--write-key", "wk-x",
                          "--rate", "20/s"});
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(190));
    CHECK(r.code == 1);
    CHECK(r.out.rfind("line 2: refused: 400", 0) == 0);
    CHECK(
        r.out.find(": 4 delivered, 1 refused, 0 failed, 0 not sent; answers: 200 (4), 400 (1)\n") !=
        std::string::npos);
    CHECK(target.admin_json("/_mock/events?writeKey=wk-x")["events"].size() == 4);
}

TEST_CASE("replay: usage errors - bad lines and an unreachable target exit 2", "[replay][cli]") {
    Source src("cmd-replay-errors");
    TestServer target;
    const std::string text = slurp(src.fixture);
    write_file(src.dir / "half.ndjson", text.substr(0, text.size() - 20));
    write_file(src.dir / "typeless.ndjson",
               "{\"type\":\"track\",\"userId\":\"u\"}\n{\"userId\":\"u\"}\n");
    const std::string dead = "http://127.0.0.1:" + std::to_string(closed_port());
    const std::string url = url_of(target);
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    for (const Case& c : {
             Case{{"replay", src.fixture, "--to", url}, "missing --write-key WK"},
             Case{{"replay", "--to", url, "--write-key", "k"}, "missing FILE"},
             Case{{"replay", src.fixture, "--write-key", "k"}, "missing --to URL"},
             Case{{"replay", src.fixture, "--to", url, "--write-key", "k", "--rate", "fast"},
                  "--rate takes requests per second"},
             Case{{"replay", src.fixture, "--to", url, "--write-key", "k", "--batch", "0"},
                  "--batch takes a number from 1 to 10000"},
             Case{{"replay", src.fixture, "--to", "ftp://x", "--write-key", "k"},
                  "--to must start with http://"},
             Case{{"replay", src.dir / "none.ndjson", "--to", url, "--write-key", "k"},
                  "cannot read " + (src.dir / "none.ndjson")},
             Case{{"replay", src.dir / "half.ndjson", "--to", url, "--write-key", "k"},
                  src.dir / "half.ndjson" +
                      ": line 5: not valid JSON (the file ends inside it: half-written?)"},
             Case{{"replay", src.dir / "typeless.ndjson", "--to", url, "--write-key", "k"},
                  "typeless.ndjson: line 2: no type"},
             Case{{"replay", src.fixture, "--to", dead, "--write-key", "k", "--attempts", "3"},
                  "cannot reach " + dead +
                      ": no connection: refused, or no such host (3 attempts)"},
         }) {
        INFO(c.message);
        Run r = run(src.dir, c.args);
        CHECK(r.code == 2);
        CHECK(r.err.rfind("ruddermock replay: ", 0) == 0);
        CHECK(r.err.find(c.message) != std::string::npos);
    }
    // Nothing was sent by the runs with bad input.
    CHECK(target.admin_json("/_mock/requests")["requests"].empty());
}

TEST_CASE("replay core: backoff - Retry-After - a target that goes away", "[replay]") {
    rm::ReplayPlanOptions po;
    po.write_key = "wk";
    po.now_ms = 0;
    int ids = 0;
    po.new_id = [&] { return "id-" + std::to_string(++ids); };
    const std::string text =
        R"({"type":"track","userId":"u","messageId":"<messageId-1>","rudderId":"r","receivedAt":"<timestamp>","originalTimestamp":"<timestamp>","_metadata":"<_metadata>"})"
        "\n\n"
        R"({"type":"identify","userId":"u","messageId":"<messageId-1>"})"
        "\n"
        R"({"type":"page","userId":"u","messageId":"<messageId-2>"})"
        "\n";
    auto plan = rm::plan_replay(text, rm::ReplayInput::ndjson, po);
    REQUIRE(plan);
    REQUIRE(plan->requests.size() == 3);
    CHECK(plan->requests[0].path == "/v1/track");
    CHECK(
        plan->requests[0].body ==
        R"({"type":"track","userId":"u","messageId":"id-1","originalTimestamp":"1970-01-01T00:00:00.000Z"})");
    CHECK(plan->requests[1].where == "line 3");
    CHECK(plan->requests[1].body == R"({"type":"identify","userId":"u","messageId":"id-1"})");
    CHECK(plan->requests[2].body == R"({"type":"page","userId":"u","messageId":"id-2"})");
    po.batch = 2;
    auto batched = rm::plan_replay(text, rm::ReplayInput::ndjson, po);
    REQUIRE(batched);
    REQUIRE(batched->requests.size() == 2);
    CHECK(batched->requests[0].where == "lines 1, 3");
    CHECK(batched->requests[0].events == 2);
    CHECK(batched->requests[0].body.rfind(R"({"batch":[{"type":"track")", 0) == 0);

    rm::RetryPolicy policy;
    std::vector<int64_t> waits;
    for (int i = 1; i <= 8; ++i) {
        waits.push_back(rm::replay_backoff(policy, i).count());
    }
    CHECK(waits == std::vector<int64_t>{100, 200, 400, 800, 1600, 3200, 5000, 5000});
    CHECK(rm::parse_retry_after("2") == std::chrono::milliseconds(2000));
    CHECK(rm::parse_retry_after(" 0.5 ") == std::chrono::milliseconds(500));
    CHECK_FALSE(rm::parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));

    // 503 with Retry-After, then 200; then the connection goes for good.
    std::vector<int> answers = {503, 200, 0, 0, 0};
    size_t next = 0;
    std::vector<int64_t> slept;
    rm::ReplaySend send = [&](const rm::ReplayRequest&) {
        rm::ReplayAnswer a;
        a.status = next < answers.size() ? answers[next] : 0;
        ++next;
        a.error = "no connection";
        if (a.status == 503) {
            a.retry_after = std::chrono::milliseconds(1500);
        }
        return a;
    };
    rm::ReplaySleep sleep = [&](std::chrono::microseconds d) { slept.push_back(d.count() / 1000); };
    rm::ReplayRunOptions ro;
    ro.retry.attempts = 3;
    ro.target = "http://t";
    std::vector<std::string> reported;
    auto summary = rm::run_replay(*plan, send, sleep, ro,
                                  [&](const std::string& line) { reported.push_back(line); });
    CHECK(slept == std::vector<int64_t>{1500, 100, 200});
    CHECK(summary.delivered == 1);
    CHECK(summary.failed == 1);
    CHECK(summary.unsent == 1);
    CHECK_FALSE(summary.unreachable);
    CHECK(summary.exit_code() == 1);
    CHECK(reported == std::vector<std::string>{
                          "line 3: not delivered: no answer (no connection) after 3 attempts; "
                          "stopping, http://t no longer answers (1 event not sent)"});
    CHECK(summary.text("http://t") ==
          "replay: 3 events in 3 requests to http://t: 1 delivered, 0 refused, 1 failed, 1 not "
          "sent; answers: no answer (3), 200 (1), 503 (1)");
}
