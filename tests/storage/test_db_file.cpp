// The database file checks of db_file.hpp, through Store::open as the server meets them.
#include "storage/store.hpp"
#include "support/store_records.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace rm;
using rm::test::TempDir;

namespace {
Result<std::unique_ptr<Store>> open_at(const std::filesystem::path& path) {
    StoreOptions options;
    options.path = path.string();
    return Store::open(options);
}

void sqlite_exec(const std::filesystem::path& path, const char* sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
}

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}
} // namespace

TEST_CASE("a second store on a database in use is refused until the first closes", "[db_file]") {
    TempDir dir;
    const auto path = dir.path / "shared.db";
    auto first = open_at(path);
    REQUIRE(first.ok());
    REQUIRE((*first)->record(rm::test::request("wk"), {rm::test::event("track", "u", "m1")}));
    auto second = open_at(path);
    REQUIRE_FALSE(second.ok());
    CHECK_THAT(second.error().message, Catch::Contains("in use by another running ruddermock") &&
                                           Catch::Contains("(pid " + std::to_string(getpid())));
    first->reset();
    auto third = open_at(path);
    REQUIRE(third.ok());
    CHECK((*third)->stats()->events == 1);
}

TEST_CASE("another program's SQLite database is refused and left untouched", "[db_file]") {
    TempDir dir;
    const auto path = dir.path / "notes.db";
    sqlite_exec(path, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me');");
    const std::string before = slurp(path);
    auto store = open_at(path);
    REQUIRE_FALSE(store.ok());
    CHECK_THAT(store.error().message,
               Catch::Contains("is not a ruddermock database") && Catch::Contains("notes"));
    CHECK(slurp(path) == before);
    CHECK_FALSE(std::filesystem::exists(dir.path / "notes.db-wal"));
}

TEST_CASE("a file that is not SQLite, or a damaged database, is refused clearly", "[db_file]") {
    TempDir dir;
    const auto text = dir.path / "text.db";
    std::ofstream(text) << "these are not the pages you are looking for\n";
    auto a = open_at(text);
    REQUIRE_FALSE(a.ok());
    CHECK_THAT(a.error().message, Catch::Contains("is not a ruddermock database"));
    CHECK(slurp(text) == "these are not the pages you are looking for\n");

    // A real database whose schema page is overwritten.
    const auto damaged = dir.path / "damaged.db";
    {
        auto s = open_at(damaged);
        REQUIRE(s.ok());
        REQUIRE((*s)->record(rm::test::request("wk"), {rm::test::event("track", "u", "m1")}));
    }
    std::string bytes = slurp(damaged);
    REQUIRE(bytes.size() > 16384 + 200);
    for (size_t i = 100; i < 4000; ++i) { // page 1 after the file header: sqlite_master
        bytes[i] = static_cast<char>(0xA5);
    }
    std::ofstream(damaged, std::ios::binary | std::ios::trunc) << bytes;
    auto b = open_at(damaged);
    REQUIRE_FALSE(b.ok());
    CHECK_THAT(b.error().message, Catch::Contains("damaged"));
}

TEST_CASE("a database that cannot be written is refused, not opened read-only", "[db_file]") {
    TempDir dir;
    std::filesystem::permissions(
        dir.path, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                      std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                      std::filesystem::perms::others_exec);
    const auto path = dir.path / "ro.db";
    {
        auto s = open_at(path);
        REQUIRE(s.ok());
    }
    chmod(path.c_str(), 0444);
    // root may write any file: run the check as nobody in a child process.
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
            _exit(3);
        }
        auto s = open_at(path);
        _exit(s.ok()                                                             ? 1
              : s.error().message.find("cannot be written") != std::string::npos ? 0
                                                                                 : 2);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}
