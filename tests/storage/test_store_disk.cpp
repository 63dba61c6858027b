// A full disk (simulated with RLIMIT_FSIZE, which fails writes past a size with EFBIG): the
// store refuses what it cannot commit, the gateway answers 500 (never 200), the server keeps
// running, and ingest resumes by itself once writes succeed again.
#include "support/store_records.hpp"
#include "support/test_server.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <set>
#include <sys/resource.h>

using namespace rm;

namespace {
uintmax_t size_or_zero(const std::filesystem::path& path) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(path, ec);
    return ec ? 0 : n;
}

std::string track(const std::string& message_id) {
    return R"({"type":"track","event":"Disk","userId":"u","messageId":")" + message_id +
           R"(","properties":{"padding":")" + std::string(2000, 'p') + R"("}})";
}
} // namespace

TEST_CASE("on a full disk requests get 500, nothing acknowledged is lost, ingest resumes",
          "[store][disk]") {
    std::signal(SIGXFSZ, SIG_IGN); // as main() does
    rm::test::TempDir dir;
    const auto db = dir.path / "full.db";
    Config config = rm::test::TestServer::default_config();
    config.db = db.string();
    rm::test::TestServer server(config);

    std::set<std::string> acknowledged, refused;
    int next = 0;
    auto send = [&] {
        const std::string id = "disk-" + std::to_string(next++);
        auto res = server.post("/v1/track", "wk-disk", track(id));
        REQUIRE(res);
        if (res->status == 200) {
            acknowledged.insert(id);
        } else {
            CHECK(res->status == 500);
            refused.insert(id);
        }
        return res->status;
    };
    for (int i = 0; i < 5; ++i) {
        REQUIRE(send() == 200);
    }

    rlimit saved{};
    REQUIRE(getrlimit(RLIMIT_FSIZE, &saved) == 0);
    const auto grown = std::max(size_or_zero(db), size_or_zero(dir.path / "full.db-wal"));
    rlimit small = saved;
    small.rlim_cur = static_cast<rlim_t>(grown + 256 * 1024);
    REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
    while (refused.size() < 20 && next < 2000) {
        send();
    }
    REQUIRE(setrlimit(RLIMIT_FSIZE, &saved) == 0);
    REQUIRE(refused.size() == 20); // the limit was reached

    for (int i = 0; i < 5; ++i) {
        CHECK(send() == 200); // resumed without a restart
    }
    auto events = server.admin_json("/_mock/events?writeKey=wk-disk&limit=10000");
    std::set<std::string> stored;
    for (const auto& e : events["events"]) {
        stored.insert(e["message_id"].get<std::string>());
    }
    CHECK(stored == acknowledged);
    CHECK(server.admin_json("/_mock/stats")["events"] == static_cast<int64_t>(stored.size()));
}
