#include "storage/db_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace rm {

namespace {
std::string directory_of(const std::string& path) {
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos) {
        return ".";
    }
    return slash == 0 ? "/" : path.substr(0, slash);
}

// The pid holding a flock() on the file with this device and inode, from /proc/locks
// ("1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"), or 0 when it cannot be told.
long flock_holder(const struct stat& st) {
    std::ifstream in("/proc/locks");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string number, kind, mode, access, id;
        long pid = 0;
        if (!(fields >> number >> kind >> mode >> access >> pid >> id) || kind != "FLOCK") {
            continue;
        }
        unsigned major_no = 0, minor_no = 0;
        unsigned long long inode = 0;
        if (std::sscanf(id.c_str(), "%x:%x:%llu", &major_no, &minor_no, &inode) == 3 &&
            inode == st.st_ino && major_no == major(st.st_dev) && minor_no == minor(st.st_dev)) {
            return pid;
        }
    }
    return 0;
}
} // namespace

Result<DbFileLock> DbFileLock::acquire(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        const int err = errno;
        if (err == EACCES || err == EROFS || err == EPERM) {
            return make_error(path + " cannot be written (" + std::strerror(err) +
                              "); ruddermock needs a database it can write: use another --db, "
                              "or browse this one read-only with --open");
        }
        return make_error("cannot open " + path + ": " + std::strerror(err));
    }
    DbFileLock lock;
    lock.m_fd = fd;
    const std::string dir = directory_of(path);
    if (access(dir.c_str(), W_OK) != 0) {
        return make_error("the directory " + dir + " cannot be written (" + std::strerror(errno) +
                          "); SQLite keeps " + path + "-wal and " + path +
                          "-shm beside the database: use another --db");
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        if (err != EWOULDBLOCK) {
            return make_error("cannot lock " + path + ": " + std::strerror(err));
        }
        struct stat st {};
        const long pid = fstat(fd, &st) == 0 ? flock_holder(st) : 0;
        return make_error(path + " is in use by another running ruddermock" +
                          (pid > 0 ? " (pid " + std::to_string(pid) + ")" : std::string()) +
                          "; two servers cannot write one database: give this one another "
                          "--db, or read the file with 'ruddermock export --db " +
                          path + "'");
    }
    return lock;
}

DbFileLock::DbFileLock(DbFileLock&& other) noexcept : m_fd(other.m_fd) {
    other.m_fd = -1;
}

DbFileLock& DbFileLock::operator=(DbFileLock&& other) noexcept {
    if (this != &other) {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_fd = other.m_fd;
        other.m_fd = -1;
    }
    return *this;
}

DbFileLock::~DbFileLock() {
    if (m_fd >= 0) {
        ::close(m_fd); // also releases the flock
    }
}

Status check_ruddermock_database(sql::Database& db, const std::string& path) {
    auto version = db.prepare("PRAGMA user_version");
    auto tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT "
                             "LIKE 'sqlite_%' ORDER BY name LIMIT 4");
    if (!version || !tables) {
        return make_error(explain_database_error(path, !version ? version.error().message
                                                                : tables.error().message));
    }
    auto row = version->step();
    if (!row) {
        return make_error(explain_database_error(path, row.error().message));
    }
    if (*row && version->column_int(0) != 0) {
        return Ok{}; // ours, or newer (migrate() says so)
    }
    std::string names;
    int count = 0;
    auto st = tables->each_row([&](const sql::Statement& s) {
        if (count < 3) {
            names += (count ? ", " : "") + s.column_text(0);
        }
        ++count;
    });
    if (!st) {
        return make_error(explain_database_error(path, st.error().message));
    }
    if (count == 0) {
        return Ok{}; // a new, empty database
    }
    return make_error(path + " is not a ruddermock database (it holds other tables: " + names +
                      (count > 3 ? ", ..." : "") +
                      "); ruddermock will not write into it: use another --db");
}

std::string explain_database_error(const std::string& path, const std::string& message) {
    if (message.find("file is not a database") != std::string::npos) {
        return path +
               " is not a ruddermock database (not an SQLite file, or damaged): use "
               "another --db (" +
               message + ")";
    }
    if (message.find("malformed") != std::string::npos ||
        message.find("corrupt") != std::string::npos) {
        return path + " is damaged (" + message +
               "); move it away and start with a new --db, or try 'sqlite3 " + path + " .recover'";
    }
    return path + ": " + message;
}

} // namespace rm
