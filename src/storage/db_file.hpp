// The database file a store writes, checked before anything is written to it: one writer per
// file, a file that can be written, a file that is a ruddermock database (or new), and SQLite's
// low-level errors worded for the user.
//
// One writer per file: the store holds an exclusive flock() on the database file for as long as
// it is open. Readers (export, verify, --open, the inspector's own connections) take no flock,
// so they run beside the server as before. flock() and SQLite's fcntl() byte-range locks are
// independent on Linux; the descriptor is closed only after every SQLite connection of the store
// is closed, because closing any descriptor of a file drops the process's fcntl() locks on it.
#pragma once

#include "storage/sqlite.hpp"
#include "util/result.hpp"

#include <string>

namespace rm {

class DbFileLock {
  public:
    // Creates the file if it does not exist (SQLite treats an empty file as a new database).
    // Errors: the file or its directory cannot be written (the WAL needs FILE-wal and FILE-shm
    // beside it), or another process holds the lock ("in use by another running ruddermock").
    static Result<DbFileLock> acquire(const std::string& path);
    DbFileLock() = default;
    DbFileLock(DbFileLock&& other) noexcept;
    DbFileLock& operator=(DbFileLock&& other) noexcept;
    DbFileLock(const DbFileLock&) = delete;
    DbFileLock& operator=(const DbFileLock&) = delete;
    ~DbFileLock();

  private:
    int m_fd = -1;
};

// A database with tables but no ruddermock schema version: someone else's SQLite file, which
// the migrations must not write into.
Status check_ruddermock_database(sql::Database& db, const std::string& path);

// SQLite's message for a file that is not a database or is damaged, said for the user.
std::string explain_database_error(const std::string& path, const std::string& message);

} // namespace rm
