#include "storage/checkpointer.hpp"
#include "support/store_records.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

using namespace rm;

namespace {
int64_t query_int(sql::Database& db, const std::string& text) {
    auto stmt = db.prepare(text);
    REQUIRE(stmt.ok());
    auto row = stmt->step();
    REQUIRE((row.ok() && *row));
    return stmt->column_int(0);
}
} // namespace

TEST_CASE("the WAL is copied by the checkpointer's thread and stays bounded under steady commits",
          "[store][checkpointer]") {
    rm::test::TempDir dir;
    const std::string path = (dir.path / "c.db").string();
    auto opened = sql::Database::open(path, false);
    REQUIRE(opened.ok());
    sql::Database writer = std::move(*opened);
    REQUIRE(writer
                .exec("PRAGMA page_size=4096; PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
                      "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
                .ok());
    Checkpointer::Options options;
    options.start_pages = 20;
    options.catch_up_pages = 80;
    auto checkpointer = Checkpointer::start(path, writer, options);
    REQUIRE(checkpointer.ok());
    auto insert = writer.prepare("INSERT INTO t (v) VALUES (?)");
    REQUIRE(insert.ok());
    const std::string value(1000, 'v');
    const auto wal = std::filesystem::path(path + "-wal");
    uintmax_t largest_wal = 0;
    constexpr int commits = 600; // ~10 pages each, back to back: the thread never catches up
    for (int c = 0; c < commits; ++c) {
        REQUIRE(writer.exec("BEGIN IMMEDIATE").ok());
        for (int i = 0; i < 30; ++i) {
            REQUIRE(insert->bind(1, value).run().ok());
        }
        REQUIRE(writer.exec("COMMIT").ok());
        largest_wal = std::max(largest_wal, std::filesystem::file_size(wal));
    }
    CHECK((*checkpointer)->thread_copies() > 0);
    // SQLite's own copy would have run in the writer at every commit past 1,000 pages; the
    // hook replaced it, and the WAL restarted from its start instead of growing to all
    // 6,000 pages written.
    const uintmax_t page = 4096 + 24; // a frame: its header and the page
    // (Past catch_up_pages a copy still running on the thread makes the writer wait for the next
    // commit to try, so on a loaded machine the WAL goes a little over: the bound is loose.)
    CHECK(largest_wal <= commits * 10 * page / 4);
    checkpointer->reset();
    CHECK(query_int(writer, "SELECT COUNT(*) FROM t") == commits * 30);
    // The data made it into the file: a fresh connection reads it all once the WAL is copied.
    REQUIRE(writer.exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
    auto reader = sql::Database::open(path, true);
    REQUIRE(reader.ok());
    CHECK(query_int(*reader, "SELECT COUNT(*) FROM t") == commits * 30);
}
