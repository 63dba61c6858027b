// Helpers of the reader and export tests: a temporary folder, a server on a file database
// there, SDK-like traffic and an in-process export to a string.
#pragma once

#include "export/exporter.hpp"
#include "storage/reader.hpp"
#include "storage/store.hpp"
#include "support/test_server.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace rm::test {

struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& tag) {
        static int counter = 0;
        path = std::filesystem::temp_directory_path() /
               ("ruddermock-" + tag + "-" + std::to_string(getpid()) + "-" +
                std::to_string(++counter));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

inline Config file_config(const std::string& db) {
    Config c = TestServer::default_config();
    c.db = db;
    return c;
}

// Exports from a Reader on path into a string; REQUIREs success.
inline std::string export_string(const std::string& path, ExportOptions options) {
    auto reader = Reader::open(path);
    REQUIRE(reader);
    std::string out;
    auto summary = run_export(**reader, options, [&](std::string_view chunk) {
        out.append(chunk);
        return true;
    });
    if (!summary) {
        FAIL(summary.error().message);
    }
    return out;
}

inline ExportOptions options_for(ExportFormat format, bool normalize = false) {
    ExportOptions o;
    o.format = format;
    o.normalize = normalize;
    return o;
}

inline query::Sql compiled(const std::string& expression) {
    auto parsed = query::parse(expression);
    REQUIRE(parsed);
    auto sql = query::compile(*parsed);
    REQUIRE(sql);
    return *sql;
}

} // namespace rm::test
