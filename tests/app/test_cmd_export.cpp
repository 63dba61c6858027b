// `ruddermock export` as a user runs it: the binary, its exit codes and messages, the output
// file written whole or not at all, the progress bar only on a terminal, and the same bytes
// as GET /_mock/export of the server that writes the database meanwhile.
#include "support/cli_run.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <stdlib.h>
#include <sys/wait.h>
#include <thread>
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

void feed(const TestServer& srv, int events) {
    std::string batch = R"({"batch":[)";
    for (int i = 0; i < events; ++i) {
        batch += (i ? "," : "") + std::string(R"({"type":"track","userId":"u)") +
                 std::to_string(i % 3) + R"(","event":"Order )" + std::to_string(i) +
                 R"(","messageId":"m-)" + std::to_string(i) + R"("})";
    }
    batch += "]}";
    auto r = srv.post("/v1/batch", "wk-cli-export", batch);
    REQUIRE(r);
    REQUIRE(r->status == 200);
}

std::vector<std::string> temp_files(const TempDir& dir) {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path)) {
        if (entry.path().filename().string().find(".tmp-") != std::string::npos) {
            out.push_back(entry.path().string());
        }
    }
    return out;
}

} // namespace

TEST_CASE("export --help - and the subcommand in ruddermock --help", "[export][cli]") {
    TempDir dir("cmd-export-help");
    Run help = run(dir, {"export", "--help"});
    CHECK(help.code == 0);
    CHECK(help.out.rfind("Usage: ruddermock export", 0) == 0);
    Run top = run(dir, {"--help"});
    CHECK(top.code == 0);
    CHECK(top.out.find("Commands:\n  export   write captured events as NDJSON/JSON/HAR/curl") !=
          std::string::npos);
}

TEST_CASE("export: bad flags - filters and databases exit 2 with a message", "[export][cli]") {
    TempDir dir("cmd-export-errors");
    TestServer srv(rm::test::file_config(dir / "ok.db"));
    std::ofstream(dir / "notes.txt") << "not a database, just notes written by someone long ago\n";
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::string ok = dir / "ok.db";
    for (const Case& c : {
             Case{{"export", "--db", ok}, "missing --format"},
             Case{{"export", "--db", ok, "--format", "xml"}, "unknown format 'xml'"},
             Case{{"export", "--db", ok, "--format", "json", "--bogus"},
                  "unknown option '--bogus'"},
             Case{{"export", "--db", ok, "--format"}, "option '--format' needs a value"},
             Case{{"export", "--db", ok, "--format", "json", "--filter", "type:"},
                  "filter: position 6"},
             Case{{"export", "--db", dir / "none.db", "--format", "json"},
                  "cannot open " + (dir / "none.db") + ": no such file"},
             Case{{"export", "--db", dir / "notes.txt", "--format", "json"},
                  "is not an SQLite database"},
             Case{{"export", "--db", ok, "--format", "har", "--all-requests", "--filter", "type:x"},
                  "takes no --filter"},
             Case{{"export", "--db", ok, "--format", "json", "-o", dir / "missing/out.json"},
                  "cannot write " + (dir / "missing/out.json")},
         }) {
        INFO(c.message);
        Run r = run(dir, c.args);
        CHECK(r.code == 2);
        CHECK(r.err.rfind("ruddermock export: ", 0) == 0);
        CHECK(r.err.find(c.message) != std::string::npos);
        CHECK(r.out.empty());
    }
    CHECK_FALSE(std::filesystem::exists(dir / "missing"));
}

TEST_CASE("export -o writes the whole file or nothing", "[export][cli]") {
    TempDir dir("cmd-export-output");
    const std::string db = dir / "capture.db";
    TestServer srv(rm::test::file_config(db)); // the server writes the file meanwhile
    feed(srv, 50);
    Run to_stdout = run(dir, {"export", "--db", db, "--format", "ndjson"});
    REQUIRE(to_stdout.code == 0);
    CHECK(to_stdout.err.empty());
    CHECK(to_stdout.out ==
          rm::test::export_string(db, rm::test::options_for(rm::ExportFormat::ndjson)));

    std::ofstream(dir / "out.ndjson") << "old content";
    Run to_file = run(dir, {"export", "--db", db, "--format", "ndjson", "-o", dir / "out.ndjson"});
    REQUIRE(to_file.code == 0);
    CHECK(to_file.out.empty());
    CHECK(to_file.err.empty());
    CHECK(slurp(dir / "out.ndjson") == to_stdout.out);
    CHECK(temp_files(dir).empty());

    // The rename fails (the target is a folder): the temporary file goes, the folder stays.
    std::filesystem::create_directories(dir / "folder");
    Run blocked =
        run(dir, {"export", "--db", db, "--format", "json", "--output=" + (dir / "folder")});
    CHECK(blocked.code == 2);
    CHECK(blocked.err.find("cannot write " + (dir / "folder")) != std::string::npos);
    CHECK(std::filesystem::is_directory(dir / "folder"));
    CHECK(temp_files(dir).empty());
}

TEST_CASE("export -o interrupted by SIGTERM or SIGINT leaves no file behind", "[export][cli]") {
    TempDir dir("cmd-export-interrupted");
    const std::string db = dir / "capture.db";
    {
        TestServer srv(rm::test::file_config(db));
        for (int i = 0; i < 150; ++i) {
            feed(srv, 1000); // 150,000 events: the export takes a few hundred ms
        }
    }
    for (int sig : {SIGTERM, SIGINT}) {
        const std::string out = dir / ("out-" + std::to_string(sig) + ".ndjson");
        std::vector<std::string> args = {RUDDERMOCK_BINARY, "export",      "--db", db, "--format",
                                         "ndjson",          "--normalize", "-o",   out};
        std::vector<char*> argv;
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        pid_t pid = -1;
        REQUIRE(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
        // Signal it as soon as its temporary file exists, i.e. in the middle of writing.
        bool seen = false;
        for (int i = 0; i < 20000 && !seen; ++i) {
            seen = !temp_files(dir).empty();
            if (!seen) {
                std::this_thread::sleep_for(std::chrono::microseconds(200));
            }
        }
        REQUIRE(seen);
        ::kill(pid, sig);
        int status = 0;
        waitpid(pid, &status, 0);
        INFO("signal " << sig);
        CHECK(WIFSIGNALED(status)); // it did not finish before the signal (the test would be moot)
        CHECK(!std::filesystem::exists(out));
        CHECK(temp_files(dir).empty());
    }
}

TEST_CASE("export shows progress only when stderr is a terminal", "[export][cli]") {
    TempDir dir("cmd-export-progress");
    const std::string db = dir / "progress.db";
    TestServer srv(rm::test::file_config(db));
    feed(srv, 20);
    Run piped = run(dir, {"export", "--db", db, "--format", "json", "-o", dir / "a.json"});
    REQUIRE(piped.code == 0);
    CHECK(piped.err.empty());
    Run tty = run(dir, {"export", "--db", db, "--format", "json", "-o", dir / "b.json"}, true);
    REQUIRE(tty.code == 0);
    CHECK(tty.err.find("100%") != std::string::npos);
    CHECK(tty.err.find("20/20 events") != std::string::npos);
    CHECK(slurp(dir / "a.json") == slurp(dir / "b.json"));
}

TEST_CASE("the CLI writes the bytes /_mock/export streams", "[export][cli]") {
    TempDir dir("cmd-export-admin");
    const std::string db = dir / "same.db";
    TestServer srv(rm::test::file_config(db));
    feed(srv, 30);
    auto bad = srv.post("/v1/track", "", R"({"userId":"x"})"); // a refused request
    REQUIRE(bad);
    auto c = srv.client();
    struct Case {
        std::vector<std::string> flags;
        std::string query;
    };
    for (const Case& k :
         {Case{{"--format", "ndjson"}, "format=ndjson"},
          Case{{"--format", "json", "--normalize"}, "format=json&normalize=1"},
          Case{{"--format", "har", "--filter", "user:u1"}, "format=har&filter=user%3Au1"},
          Case{{"--format", "curl", "--all-requests"}, "format=curl&requests=all"},
          Case{{"--format", "har", "--normalize"}, "format=har&normalize=1"}}) {
        INFO(k.query);
        std::vector<std::string> args = {"export", "--db", db};
        args.insert(args.end(), k.flags.begin(), k.flags.end());
        Run cli = run(dir, args);
        REQUIRE(cli.code == 0);
        auto res = c.Get(("/_mock/export?" + k.query).c_str());
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(res->body == cli.out);
        CHECK_FALSE(cli.out.empty());
    }
}
