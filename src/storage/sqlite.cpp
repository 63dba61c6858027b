#include "storage/sqlite.hpp"

#include <sqlite3.h>

#include <cstring>

namespace rm::sql {

namespace {
// SQLite's message, with the OS error behind an I/O failure: "disk I/O error" alone does not
// tell a full disk (ENOSPC), a file-size limit (EFBIG) or a vanished file apart.
std::string error_text(sqlite3* db, const char* message) {
    std::string out = message ? message : "unknown error";
    const int code = sqlite3_errcode(db) & 0xff;
    const int err = sqlite3_system_errno(db);
    if ((code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_CANTOPEN) && err != 0) {
        out += std::string(" (") + std::strerror(err) + ")";
    }
    return out;
}
} // namespace

Result<Database> Database::open(const std::string& path, bool read_only) {
    sqlite3* db = nullptr;
    int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    flags |= SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        return make_error("cannot open database " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db, 5000);
    Database out;
    out.m_db = db;
    return out;
}

Database::Database(Database&& other) noexcept : m_db(other.m_db) {
    other.m_db = nullptr;
}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        sqlite3_close_v2(m_db);
        m_db = other.m_db;
        other.m_db = nullptr;
    }
    return *this;
}

Database::~Database() {
    sqlite3_close_v2(m_db);
}

Status Database::exec(std::string_view sql) {
    char* err = nullptr;
    std::string text(sql);
    if (sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = error_text(m_db, err);
        sqlite3_free(err);
        return make_error("sqlite: " + msg);
    }
    return Ok{};
}

Result<Statement> Database::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
        SQLITE_OK) {
        return make_error("sqlite prepare: " + last_error());
    }
    return Statement(stmt);
}

int64_t Database::last_insert_id() const {
    return sqlite3_last_insert_rowid(m_db);
}
int Database::changes() const {
    return sqlite3_changes(m_db);
}
std::string Database::last_error() const {
    return m_db ? sqlite3_errmsg(m_db) : "no database";
}

Statement::Statement(Statement&& other) noexcept : m_stmt(other.m_stmt) {
    other.m_stmt = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(m_stmt);
        m_stmt = other.m_stmt;
        other.m_stmt = nullptr;
    }
    return *this;
}

Statement::~Statement() {
    sqlite3_finalize(m_stmt);
}

Statement& Statement::bind(int index, std::string_view text) {
    // SQLITE_STATIC: callers keep the bytes alive until the statement is reset.
    sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
    sqlite3_bind_blob(m_stmt, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
    return *this;
}

Statement& Statement::bind(int index, int64_t number) {
    sqlite3_bind_int64(m_stmt, index, number);
    return *this;
}

Statement& Statement::bind(int index, double number) {
    sqlite3_bind_double(m_stmt, index, number);
    return *this;
}

Statement& Statement::bind_null(int index) {
    sqlite3_bind_null(m_stmt, index);
    return *this;
}

Result<bool> Statement::step() {
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    sqlite3* db = sqlite3_db_handle(m_stmt);
    return make_error("sqlite step: " + error_text(db, sqlite3_errmsg(db)));
}

Status Statement::run() {
    for (;;) {
        auto r = step();
        if (!r) {
            reset();
            return r.error();
        }
        if (!*r) {
            reset();
            return Ok{};
        }
    }
}

Status Statement::each_row(const std::function<void(const Statement&)>& on_row) {
    for (;;) {
        auto r = step();
        if (!r || !*r) {
            reset();
            return r ? Status(Ok{}) : Status(r.error());
        }
        on_row(*this);
    }
}

void Statement::reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

int64_t Statement::column_int(int col) const {
    return sqlite3_column_int64(m_stmt, col);
}

double Statement::column_double(int col) const {
    return sqlite3_column_double(m_stmt, col);
}

std::string Statement::column_text(int col) const {
    const void* p = sqlite3_column_blob(m_stmt, col);
    int n = sqlite3_column_bytes(m_stmt, col);
    return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

bool Statement::column_is_null(int col) const {
    return sqlite3_column_type(m_stmt, col) == SQLITE_NULL;
}

} // namespace rm::sql
