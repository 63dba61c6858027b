// `ruddermock verify` as CI runs it: the binary against a real server's database file (and
// its admin API with --url), a fixture exported by `ruddermock export --normalize`, the diff
// lines and the exit codes.
#include "support/cli_run.hpp"
#include "util/clock.hpp"
#include "util/encoding.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
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

// What an SDK sends in one test run: fresh messageIds, anonymousId and timestamps each time.
void send_run(const TestServer& srv, const std::string& key) {
    const std::string now = rm::format_rfc3339_ms(rm::now_ms());
    const std::string anon = rm::random_uuid_v4();
    const std::string version = "1.0." + std::to_string(rm::now_ms() % 1000);
    auto event = [&](const std::string& fields) {
        return "{" + fields + R"(,"anonymousId":")" + anon + R"(","messageId":")" +
               rm::random_uuid_v4() + R"(","originalTimestamp":")" + now +
               R"(","context":{"library":{"name":"analytics-node","version":")" + version +
               R"("}}})";
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

const std::string k_summary_ok =
    "verify: 5 expected, 5 found, 0 missing, 0 unexpected, 0 different\n";

} // namespace

TEST_CASE("verify --help - and the subcommands in ruddermock --help", "[verify][cli]") {
    TempDir dir("cmd-verify-help");
    Run help = run(dir, {"verify", "--help"});
    CHECK(help.code == 0);
    CHECK(help.out.rfind("Usage: ruddermock verify", 0) == 0);
    Run top = run(dir, {"--help"});
    CHECK(top.out.find("\n  verify   compare captured events with a fixture") != std::string::npos);
    CHECK(top.out.find("\n  replay   send exported events") != std::string::npos);
}

TEST_CASE("verify: a fixture from one run matches the next run - a changed event does not",
          "[verify][cli]") {
    TempDir dir("cmd-verify");
    const std::string db1 = dir / "run1.db";
    const std::string db2 = dir / "run2.db";
    const std::string fixture = dir / "expected.ndjson";
    TestServer first(rm::test::file_config(db1));
    send_run(first, "wk-verify");
    Run exported =
        run(dir, {"export", "--db", db1, "--format", "ndjson", "--normalize", "-o", fixture});
    REQUIRE(exported.code == 0);

    // The same database, then a second run with fresh ids and times, by file and by URL.
    Run same = run(dir, {"verify", "--expect", fixture, "--db", db1});
    CHECK(same.err.empty());
    CHECK(same.out == k_summary_ok);
    CHECK(same.code == 0);
    TestServer second(rm::test::file_config(db2));
    send_run(second, "wk-verify");
    Run next = run(dir, {"verify", "--expect", fixture, "--db", db2});
    CHECK(next.out == k_summary_ok);
    CHECK(next.code == 0);
    Run by_url = run(dir, {"verify", "--expect", fixture, "--url", url_of(second)});
    CHECK(by_url.err.empty());
    CHECK(by_url.out == k_summary_ok);
    CHECK(by_url.code == 0);

    // One value changed in the fixture: exit 1 and the exact line; --ignore forgives it.
    std::string text = slurp(fixture);
    const size_t at = text.find(R"("total":10)");
    REQUIRE(at != std::string::npos);
    text.replace(at, 10, R"("total":12)");
    write_file(dir / "changed.ndjson", text);
    Run changed = run(dir, {"verify", "--expect", dir / "changed.ndjson", "--db", db2});
    CHECK(changed.code == 1);
    CHECK(changed.out ==
          "event 2 (track \"Order Completed\"): properties.total: expected 12, got 10\n"
          "verify: 5 expected, 5 found, 0 missing, 0 unexpected, 1 different\n");
    Run by_url_changed =
        run(dir, {"verify", "--expect", dir / "changed.ndjson", "--url", url_of(second)});
    CHECK(by_url_changed.code == 1);
    CHECK(by_url_changed.out == changed.out);
    Run ignored = run(dir, {"verify", "--expect", dir / "changed.ndjson", "--db", db2, "--ignore",
                            "properties.total"});
    CHECK(ignored.out == k_summary_ok);
    CHECK(ignored.code == 0);

    // The last event dropped from the fixture: it is unexpected.
    std::string fewer = slurp(fixture);
    fewer.erase(fewer.rfind('\n', fewer.size() - 2) + 1);
    write_file(dir / "fewer.ndjson", fewer);
    Run extra = run(dir, {"verify", "--expect", dir / "fewer.ndjson", "--db", db2});
    CHECK(extra.code == 1);
    CHECK(extra.out == "unexpected: id 5 (track \"Signed Out\", user \"u1\")\n"
                       "verify: 4 expected, 5 found, 0 missing, 1 unexpected, 0 different\n");

    // Another key's events are left out with --filter.
    send_run(second, "wk-other");
    Run mixed = run(dir, {"verify", "--expect", fixture, "--db", db2});
    CHECK(mixed.code == 1);
    CHECK(mixed.out.find("verify: 5 expected, 10 found, 0 missing, 5 unexpected, 0 different\n") !=
          std::string::npos);
    Run filtered =
        run(dir, {"verify", "--expect", fixture, "--db", db2, "--filter", "key:wk-verify"});
    CHECK(filtered.out == k_summary_ok);
    CHECK(filtered.code == 0);
    Run filtered_url = run(dir, {"verify", "--expect", fixture, "--url", url_of(second),
                                 "--filter=key:wk-verify", "--any-order"});
    CHECK(filtered_url.out == k_summary_ok);
    CHECK(filtered_url.code == 0);
}

TEST_CASE("verify: usage and input errors exit 2 with a message", "[verify][cli]") {
    TempDir dir("cmd-verify-errors");
    const std::string db = dir / "ok.db";
    TestServer srv(rm::test::file_config(db));
    send_run(srv, "wk-errors");
    const std::string fixture = dir / "ok.ndjson";
    REQUIRE(
        run(dir, {"export", "--db", db, "--format", "ndjson", "--normalize", "-o", fixture}).code ==
        0);
    std::string text = slurp(fixture);
    write_file(dir / "half.ndjson", text.substr(0, text.size() - 20)); // cut in the 5th line
    write_file(dir / "notes.txt", "not a database, just notes written by someone long ago\n");
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::string dead = "http://127.0.0.1:" + std::to_string(closed_port());
    for (const Case& c : {
             Case{{"verify", "--db", db}, "missing --expect FILE"},
             Case{{"verify", "--expect", dir / "none.ndjson", "--db", db},
                  "cannot read " + (dir / "none.ndjson") + ": No such file or directory"},
             Case{{"verify", "--expect", dir / "half.ndjson", "--db", db},
                  dir / "half.ndjson" +
                      ": line 5: not valid JSON (the file ends inside it: half-written?)"},
             Case{{"verify", "--expect", fixture, "--db", db, "--filter", "type:"},
                  "filter: position 6"},
             Case{{"verify", "--expect", fixture, "--url", dead},
                  "cannot reach " + dead + ": no connection"},
             Case{{"verify", "--expect", fixture, "--url", url_of(srv) + "/v1"},
                  "GET " + url_of(srv) + "/v1/_mock/events answered 404"},
             Case{{"verify", "--expect", fixture, "--url", "https://example.com"},
                  "--url: https is not supported"},
             Case{{"verify", "--expect", fixture, "--db", dir / "notes.txt"},
                  "is not an SQLite database"},
             Case{{"verify", "--expect", fixture, "--db", dir / "none.db"},
                  "cannot open " + (dir / "none.db") + ": no such file"},
             Case{{"verify", "--expect", fixture, "--db", db, "--url", dead},
                  "give --db or --url, not both"},
             Case{{"verify", "--expect", fixture, "--ignore", "a..b"},
                  "--ignore: bad path 'a..b': empty key"},
             Case{{"verify", "--expect", fixture, "--bogus"}, "unknown option '--bogus'"},
         }) {
        INFO(c.message);
        Run r = run(dir, c.args);
        CHECK(r.code == 2);
        CHECK(r.err.rfind("ruddermock verify: ", 0) == 0);
        CHECK(r.err.find(c.message) != std::string::npos);
        CHECK(r.out.empty());
    }
}
