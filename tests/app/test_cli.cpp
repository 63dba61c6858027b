// The binary as a user runs it: exit codes, the port file, signals, persistence.
#include "support/test_server.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace {
struct Child {
    pid_t pid = -1;
    std::string out_path;
};

Child spawn(const std::vector<std::string>& args, const std::string& out_path) {
    std::vector<std::string> all = {RUDDERMOCK_BINARY};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    Child c;
    c.out_path = out_path;
    REQUIRE(posix_spawn(&c.pid, argv[0], &fa, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&fa);
    return c;
}

int wait_exit(pid_t pid, int timeout_ms = 10000) {
    for (int i = 0; i < timeout_ms / 10; ++i) {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return -1;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

int read_port(const std::string& path) {
    for (int i = 0; i < 500; ++i) {
        std::ifstream in(path);
        int port = 0;
        if (in >> port && port > 0) {
            return port;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return 0;
}

struct Dir {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("ruddermock-cli-" + std::to_string(getpid()));
    Dir() { std::filesystem::create_directories(path); }
    ~Dir() { std::filesystem::remove_all(path); }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};
} // namespace

TEST_CASE("--help and --version exit 0 - bad flags exit 2 with a message", "[cli]") {
    Dir dir;
    Child help = spawn({"--help"}, dir / "help.txt");
    CHECK(wait_exit(help.pid) == 0);
    CHECK(slurp(help.out_path).find("Usage: ruddermock") != std::string::npos);
    Child version = spawn({"--version"}, dir / "version.txt");
    CHECK(wait_exit(version.pid) == 0);
    Child bad = spawn({"--bogus"}, dir / "bad.txt");
    CHECK(wait_exit(bad.pid) == 2);
    CHECK(slurp(bad.out_path).find("unknown option '--bogus'") != std::string::npos);
    Child sources = spawn({"--headless", "--sources", "/nonexistent.json"}, dir / "src.txt");
    CHECK(wait_exit(sources.pid) == 2);
    CHECK(slurp(sources.out_path).find("cannot read sources file") != std::string::npos);
}

TEST_CASE("bad fault flags and plans stop the start with a message - exit 2", "[cli]") {
    Dir dir;
    Child fail = spawn({"--headless", "--db", ":memory:", "--fail", "429:evry=5"}, dir / "f.txt");
    CHECK(wait_exit(fail.pid) == 2);
    CHECK(slurp(fail.out_path).find("unknown option 'evry'") != std::string::npos);
    std::ofstream(dir / "plan.json") << R"({"rules":[{"effect":{"status":700}}]})";
    Child plan =
        spawn({"--headless", "--db", ":memory:", "--faults", dir / "plan.json"}, dir / "p.txt");
    CHECK(wait_exit(plan.pid) == 2);
    CHECK(slurp(plan.out_path).find("rules[0].effect.status: must be between 400 and 599") !=
          std::string::npos);
    Child missing =
        spawn({"--headless", "--db", ":memory:", "--faults", dir / "none.json"}, dir / "m.txt");
    CHECK(wait_exit(missing.pid) == 2);
    CHECK(slurp(missing.out_path).find("cannot read --faults") != std::string::npos);
}

TEST_CASE("a port in use is a start-up error - never shared", "[cli]") {
    Dir dir;
    rm::test::TestServer busy;
    Child c = spawn({"--headless", "--db", ":memory:", "--port", std::to_string(busy.port())},
                    dir / "busy.txt");
    CHECK(wait_exit(c.pid) == 2);
    CHECK(slurp(c.out_path).find("already in use") != std::string::npos);
}

TEST_CASE("SIGTERM flushes and exits 0 - the data survives a restart", "[cli]") {
    Dir dir;
    std::string db = dir / "cli.db";
    Child c = spawn({"--headless", "--port", "0", "--port-file", dir / "port", "--db", db},
                    dir / "run.txt");
    int port = read_port(dir / "port");
    REQUIRE(port > 0);
    CHECK(slurp(c.out_path)
              .find("ruddermock listening on http://127.0.0.1:" + std::to_string(port)) !=
          std::string::npos);
    httplib::Client client("127.0.0.1", port);
    auto r = client.Post("/v1/track", {{"Authorization", rm::test::basic("wk-cli")}},
                         R"({"userId":"u","event":"kept"})", "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);
    kill(c.pid, SIGTERM);
    CHECK(wait_exit(c.pid) == 0);

    Child again = spawn({"--headless", "--port", "0", "--port-file", dir / "port2", "--db", db},
                        dir / "run2.txt");
    int port2 = read_port(dir / "port2");
    REQUIRE(port2 > 0);
    httplib::Client client2("127.0.0.1", port2);
    auto got = client2.Get("/_mock/events?event=kept");
    REQUIRE(got);
    CHECK(nlohmann::json::parse(got->body)["events"].size() == 1);
    kill(again.pid, SIGINT);
    CHECK(wait_exit(again.pid) == 0);
}

namespace {
std::string environment_of(pid_t pid) {
    std::string env = slurp("/proc/" + std::to_string(pid) + "/environ");
    for (char& c : env) {
        c = c == '\0' ? '\n' : c;
    }
    return env;
}
} // namespace

TEST_CASE("the program runs as started - no re-execution with another environment", "[cli]") {
    // An earlier version re-executed itself with GLIBC_TUNABLES extended (within noise when
    // measured again; removed for simplicity).
    Dir dir;
    Child c = spawn({"--headless", "--port", "0", "--port-file", dir / "port", "--db", ":memory:"},
                    dir / "run.txt");
    REQUIRE(read_port(dir / "port") > 0);
    const std::string env = environment_of(c.pid);
    CHECK(env.find("GLIBC_TUNABLES") == std::string::npos);
    CHECK(env.find("RUDDERMOCK_ALLOCATOR_TUNED") == std::string::npos);
    CHECK(slurp("/proc/" + std::to_string(c.pid) + "/comm") == "ruddermock\n");
    kill(c.pid, SIGTERM);
    CHECK(wait_exit(c.pid) == 0);
}

TEST_CASE("bind 0.0.0.0 without --admin-token warns at start-up - loopback does not",
          "[cli][bind]") {
    Dir dir;
    Child open = spawn({"--headless", "--bind", "0.0.0.0", "--port", "0", "--port-file",
                        dir / "port", "--db", ":memory:"},
                       dir / "open.txt");
    REQUIRE(read_port(dir / "port") > 0);
    kill(open.pid, SIGTERM);
    CHECK(wait_exit(open.pid) == 0);
    const std::string said = slurp(open.out_path);
    CHECK(said.find("warning: --bind 0.0.0.0 without --admin-token") != std::string::npos);
    CHECK(said.find("open to anyone on the network") != std::string::npos);

    Child local =
        spawn({"--headless", "--port", "0", "--port-file", dir / "port2", "--db", ":memory:"},
              dir / "local.txt");
    REQUIRE(read_port(dir / "port2") > 0);
    kill(local.pid, SIGTERM);
    CHECK(wait_exit(local.pid) == 0);
    CHECK(slurp(local.out_path).find("warning") == std::string::npos);
}

// [SECTION] disk and file faults (issue 11 §5)

TEST_CASE("a database in use by another running ruddermock is refused - exit 2", "[cli][db]") {
    Dir dir;
    const std::string db = dir / "busy.db";
    Child first = spawn({"--headless", "--port", "0", "--port-file", dir / "port", "--db", db},
                        dir / "first.txt");
    REQUIRE(read_port(dir / "port") > 0);
    Child second = spawn({"--headless", "--port", "0", "--db", db}, dir / "second.txt");
    CHECK(wait_exit(second.pid) == 2);
    CHECK(slurp(second.out_path)
              .find("in use by another running ruddermock (pid " + std::to_string(first.pid) +
                    ")") != std::string::npos);
    kill(first.pid, SIGTERM);
    CHECK(wait_exit(first.pid) == 0);
}

namespace {
void set_file_size_limit(pid_t pid, rlim_t soft) {
    rlimit limit{};
    REQUIRE(prlimit(pid, RLIMIT_FSIZE, nullptr, &limit) == 0);
    limit.rlim_cur = soft;
    REQUIRE(prlimit(pid, RLIMIT_FSIZE, &limit, nullptr) == 0);
}
} // namespace

TEST_CASE("past the file-size limit requests get 500 - the server runs on and recovers",
          "[cli][db]") {
    // Before: SIGXFSZ killed the process at the first write past RLIMIT_FSIZE.
    Dir dir;
    const std::string db = dir / "limit.db";
    Child c = spawn({"--headless", "--port", "0", "--port-file", dir / "port", "--db", db},
                    dir / "run.txt");
    const int port = read_port(dir / "port");
    REQUIRE(port > 0);
    httplib::Client client("127.0.0.1", port);
    int sent = 0;
    auto send = [&] {
        const std::string body = R"({"userId":"u","event":"e","messageId":"limit-)" +
                                 std::to_string(sent++) + R"(","properties":{"p":")" +
                                 std::string(3000, 'x') + R"("}})";
        auto r = client.Post("/v1/track", {{"Authorization", rm::test::basic("wk")}}, body,
                             "application/json");
        return r ? r->status : 0;
    };
    REQUIRE(send() == 200);
    set_file_size_limit(c.pid, std::filesystem::file_size(db + "-wal") + 200 * 1024);
    int refused = 0, ok = 1;
    while (refused < 5 && sent < 2000) {
        const int status = send();
        REQUIRE((status == 200 || status == 500));
        (status == 200 ? ok : refused) += 1;
    }
    CHECK(refused == 5);
    set_file_size_limit(c.pid, RLIM_INFINITY);
    CHECK(send() == 200);
    ++ok;
    auto stats = client.Get("/_mock/stats");
    REQUIRE(stats);
    CHECK(nlohmann::json::parse(stats->body)["events"] == ok);
    kill(c.pid, SIGTERM);
    CHECK(wait_exit(c.pid) == 0);
    const std::string said = slurp(c.out_path);
    CHECK(said.find("requests are answered 500") != std::string::npos);
    CHECK(said.find("succeed again, after 5 refused requests") != std::string::npos);
}

TEST_CASE("kill -9 during trims and resets by key loses nothing acknowledged", "[cli][db]") {
    Dir dir;
    const std::string db = dir / "killed.db";
    Child c = spawn({"--headless", "--port", "0", "--port-file", dir / "port", "--db", db,
                     "--max-events", "300"},
                    dir / "run.txt");
    const int port = read_port(dir / "port");
    REQUIRE(port > 0);
    // Three writers: wk-keep only adds (its newest acknowledged events must survive), wk-reset
    // is reset by key now and then, the trim runs on every commit past 300 events.
    std::atomic<bool> stop{false};
    std::atomic<int> kept_acknowledged{-1};
    auto writer = [&](const std::string& key, bool resets) {
        httplib::Client client("127.0.0.1", port);
        for (int i = 0; !stop; ++i) {
            const std::string body =
                R"({"batch":[{"type":"track","event":"e","userId":"u","messageId":")" + key + "-" +
                std::to_string(i) + R"("}]})";
            auto r = client.Post("/v1/batch", {{"Authorization", rm::test::basic(key)}}, body,
                                 "application/json");
            if (!r) {
                return; // killed
            }
            if (r->status == 200 && key == "wk-keep") {
                kept_acknowledged = i;
            }
            if (resets && i % 25 == 24) {
                client.Post("/_mock/reset?writeKey=" + key, "", "application/json");
            }
        }
    };
    std::thread a(writer, "wk-keep", false), b(writer, "wk-reset", true);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    kill(c.pid, SIGKILL);
    stop = true;
    a.join();
    b.join();
    CHECK(wait_exit(c.pid) == 128 + SIGKILL);
    REQUIRE(kept_acknowledged > 300); // the trim ran many times

    Child again = spawn({"--headless", "--port", "0", "--port-file", dir / "port2", "--db", db,
                         "--max-events", "300"},
                        dir / "run2.txt");
    const int port2 = read_port(dir / "port2");
    REQUIRE(port2 > 0);
    httplib::Client client("127.0.0.1", port2);
    auto last =
        client.Get("/_mock/events?messageId=wk-keep-" + std::to_string(kept_acknowledged.load()));
    REQUIRE(last);
    CHECK(nlohmann::json::parse(last->body)["events"].size() == 1);
    auto all = client.Get("/_mock/events?limit=10000");
    auto stats = client.Get("/_mock/stats");
    REQUIRE((all && stats));
    const auto events = nlohmann::json::parse(all->body)["events"];
    CHECK(events.size() <= 300);
    CHECK(nlohmann::json::parse(stats->body)["events"] == events.size()); // counts agree
    kill(again.pid, SIGTERM);
    CHECK(wait_exit(again.pid) == 0);
}
