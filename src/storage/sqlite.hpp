// Thin RAII wrappers over the SQLite C API. A Database is used by one thread at a time;
// the store decides which thread that is (see store.hpp).
#pragma once

#include "util/result.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace rm::sql {

class Statement;

class Database {
  public:
    // Opens (creating if needed) the file at path. Sets a busy timeout.
    static Result<Database> open(const std::string& path, bool read_only);
    Database() = default;
    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    // Runs one or more statements that return no rows.
    Status exec(std::string_view sql);
    Result<Statement> prepare(std::string_view sql);
    int64_t last_insert_id() const;
    int changes() const;
    std::string last_error() const;
    sqlite3* handle() const { return m_db; }

  private:
    sqlite3* m_db = nullptr;
};

// A prepared statement. bind_* indexes start at 1. step() returns true while rows come.
// Bound text and blobs are not copied: they must stay alive until the statement is reset.
class Statement {
  public:
    Statement() = default;
    explicit Statement(sqlite3_stmt* stmt) : m_stmt(stmt) {}
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    Statement& bind(int index, std::string_view text);
    Statement& bind_blob(int index, std::string_view bytes);
    Statement& bind(int index, int64_t number);
    Statement& bind(int index, int number) { return bind(index, static_cast<int64_t>(number)); }
    Statement& bind(int index, double number);
    Statement& bind_null(int index);

    // Advances: true = a row is available, false = done. Errors are returned as values.
    Result<bool> step();
    // Runs to completion, ignoring rows.
    Status run();
    // Runs to completion, calling on_row for each row; resets the statement.
    Status each_row(const std::function<void(const Statement&)>& on_row);
    void reset();

    int64_t column_int(int col) const;
    double column_double(int col) const;
    std::string column_text(int col) const;
    bool column_is_null(int col) const;

  private:
    sqlite3_stmt* m_stmt = nullptr;
};

} // namespace rm::sql
