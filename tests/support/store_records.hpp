// Records and temporary directories for the storage tests.
#pragma once

#include "model/records.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace rm::test {

inline EventRecord event(const std::string& type, const std::string& user,
                         const std::string& message_id) {
    EventRecord e;
    e.type = type;
    e.user_id = user;
    e.message_id = message_id;
    e.event_name = type == "track" ? "Clicked" : "";
    e.payload_json = R"({"type":")" + type + R"(","userId":")" + user + R"(","messageId":")" +
                     message_id + R"("})";
    return e;
}

inline RequestRecord request(const std::string& write_key, int status = 200) {
    RequestRecord r;
    r.received_ms = 1767323045678;
    r.method = "POST";
    r.path = "/v1/batch";
    r.status = status;
    r.write_key = write_key;
    r.headers_json = "{}";
    return r;
}

// A directory removed with everything in it when the test ends.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        path = std::filesystem::temp_directory_path() /
               ("ruddermock-test-" + std::to_string(getpid()) + "-" +
                std::to_string(reinterpret_cast<uintptr_t>(this)));
        std::filesystem::create_directories(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

// SQL that takes a current database back to schema 8 (before delivery_first), for tests that
// make what an older ruddermock left; run it before setting an older user_version.
inline const char* const k_undo_schema_9 =
    "DROP INDEX requests_delivery; ALTER TABLE requests DROP COLUMN delivery_first; "
    "CREATE INDEX requests_delivery ON requests(delivery_key, status, write_key) "
    "WHERE delivery_key <> 0; PRAGMA user_version = 8;";

} // namespace rm::test
