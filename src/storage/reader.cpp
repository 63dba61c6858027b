#include "storage/reader.hpp"

#include "storage/rows.hpp"
#include "storage/schema.hpp"
#include "storage/sqlite.hpp"

#include <cerrno>
#include <cstring>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rm {

struct Reader::Impl {
    std::string path;
    sql::Database db;
    int version = 0;
    bool immutable = false;
};

namespace {

// "file:" URI of a path, for the immutable fallback (query characters percent-encoded).
std::string file_uri(const std::string& path, const char* query) {
    static const char* hex = "0123456789ABCDEF";
    std::string out = "file:";
    for (unsigned char c : path) {
        if (c == '%' || c == '?' || c == '#' || c < 0x21 || c >= 0x7f) {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "?" + query;
}

Result<int64_t> single_int(sql::Database& db, const std::string& text) {
    auto stmt = db.prepare(text);
    if (!stmt) {
        return stmt.error();
    }
    auto row = stmt->step();
    if (!row) {
        return row.error();
    }
    return *row ? stmt->column_int(0) : int64_t{0};
}

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// Opens and reads the schema once, so that every way the file can be unreadable shows here.
// Sets err_code to SQLite's error code on failure.
Result<sql::Database> open_and_probe(const std::string& target, int& err_code) {
    err_code = SQLITE_OK;
    auto db = sql::Database::open(target, true);
    if (!db) {
        err_code = SQLITE_CANTOPEN;
        return db.error();
    }
    auto count = single_int(*db, "SELECT COUNT(*) FROM sqlite_master");
    if (!count) {
        err_code = sqlite3_errcode(db->handle());
        return count.error();
    }
    return std::move(*db);
}

void bind_args(sql::Statement& stmt, const std::vector<query::SqlValue>& args, int first) {
    int i = first;
    for (const auto& a : args) {
        if (const auto* n = std::get_if<int64_t>(&a)) {
            stmt.bind(i++, *n);
        } else if (const auto* d = std::get_if<double>(&a)) {
            stmt.bind(i++, *d);
        } else {
            stmt.bind(i++, std::get<std::string>(a)); // kept alive by the caller's Sql
        }
    }
}

// FROM and WHERE of an event query: "events AS e [JOIN requests AS r ...]", the filter's
// condition (maybe empty) and, when paging, "e.id > ?" first.
std::string events_from(const query::Sql& filter) {
    std::string out = " FROM events AS e";
    if (filter.needs_requests) {
        out += " JOIN requests AS r ON r.id = e.request_id";
    }
    return out;
}

std::string and_filter(const query::Sql& filter) {
    return filter.where.empty() ? std::string() : " AND (" + filter.where + ")";
}

std::string where_filter(const query::Sql& filter) {
    return filter.where.empty() ? std::string() : " WHERE (" + filter.where + ")";
}

int64_t sql_limit(int64_t limit) {
    return limit > 0 ? limit : -1; // SQLite: a negative LIMIT is no limit
}

// The journal rows of a request query, as "q" (the filter's own "r" may appear inside).
Result<std::string> requests_where(const query::Sql& filter, RequestScope scope) {
    if (scope == RequestScope::all) {
        if (!filter.where.empty()) {
            return make_error("all requests (accepted or refused) are exported without a "
                              "filter: the filter selects events");
        }
        return std::string();
    }
    return " AND q.id IN (SELECT e.request_id" + events_from(filter) + where_filter(filter) + ")";
}

template <typename Row, typename Fn>
Status stream_rows(sql::Statement& stmt, Row (*read)(const sql::Statement&), const Fn& fn) {
    for (;;) {
        auto row = stmt.step();
        if (!row) {
            stmt.reset();
            return row.error();
        }
        if (!*row || !fn(read(stmt))) {
            stmt.reset();
            return Ok{};
        }
    }
}

} // namespace

Reader::Reader(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Reader::~Reader() = default;

Result<std::unique_ptr<Reader>> Reader::open(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return make_error("cannot open " + path + ": " +
                          (errno == ENOENT ? std::string("no such file") : std::strerror(errno)));
    }
    if (S_ISDIR(st.st_mode)) {
        return make_error("cannot open " + path + ": is a directory");
    }
    if (::access(path.c_str(), R_OK) != 0) {
        return make_error("cannot open " + path + ": " + std::strerror(errno));
    }
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    int code = SQLITE_OK;
    auto db = open_and_probe(path, code);
    if (!db && (code == SQLITE_READONLY || code == SQLITE_CANTOPEN) &&
        !file_exists(path + "-wal")) {
        // No -wal, and SQLite may not create it (or the -shm) here: no server is writing the
        // file, so it is read as immutable.
        db = open_and_probe(file_uri(path, "immutable=1"), code);
        impl->immutable = db.ok();
    }
    if (!db) {
        if (code == SQLITE_NOTADB) {
            return make_error(path + " is not an SQLite database");
        }
        return make_error("cannot read " + path + ": " + db.error().message);
    }
    impl->db = std::move(*db);
    auto tables = single_int(impl->db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' "
                                       "AND name IN ('events', 'requests')");
    if (!tables) {
        return make_error("cannot read " + path + ": " + tables.error().message);
    }
    if (*tables != 2) {
        return make_error(path + " is not a ruddermock database (no events and requests tables)");
    }
    auto version = single_int(impl->db, "PRAGMA user_version");
    if (!version) {
        return make_error("cannot read " + path + ": " + version.error().message);
    }
    impl->version = static_cast<int>(*version);
    const int current = sql::current_schema_version();
    if (impl->version < current) {
        return make_error(path + " has schema version " + std::to_string(impl->version) +
                          ", older than this ruddermock reads (" + std::to_string(current) +
                          "): start `ruddermock --db " + path + "` once to upgrade it");
    }
    if (impl->version > current) {
        return make_error(path + " has schema version " + std::to_string(impl->version) +
                          ", newer than this ruddermock knows (" + std::to_string(current) +
                          "): use a newer ruddermock");
    }
    // No mmap: streaming 1M events (1.2 GB) read by mmap cost twice the CPU of SQLite's reads
    // (a page fault per 4 KiB) and showed the whole file as resident memory.
    impl->db.exec("PRAGMA mmap_size=0; PRAGMA cache_size=-8192;");
    return std::unique_ptr<Reader>(new Reader(std::move(impl)));
}

const std::string& Reader::path() const {
    return m_impl->path;
}

int Reader::schema_version() const {
    return m_impl->version;
}

Status Reader::each_event(const query::Sql& filter, const Page& page, const EventFn& fn) {
    std::string text = "SELECT " + sql::event_columns("e.") + events_from(filter) +
                       " WHERE e.id > ?" + and_filter(filter) + " ORDER BY e.id " +
                       (page.order == Order::desc ? "DESC" : "ASC") + " LIMIT ?";
    auto stmt = m_impl->db.prepare(text);
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, page.since_id);
    bind_args(*stmt, filter.args, 2);
    stmt->bind(static_cast<int>(filter.args.size()) + 2, sql_limit(page.limit));
    return stream_rows(*stmt, &sql::read_event, fn);
}

Result<int64_t> Reader::count_events(const query::Sql& filter) {
    auto stmt = m_impl->db.prepare("SELECT COUNT(*)" + events_from(filter) + where_filter(filter));
    if (!stmt) {
        return stmt.error();
    }
    bind_args(*stmt, filter.args, 1);
    auto row = stmt->step();
    if (!row) {
        return row.error();
    }
    return stmt->column_int(0);
}

Status Reader::each_request(const query::Sql& filter, RequestScope scope, const Page& page,
                            const RequestFn& fn) {
    auto where = requests_where(filter, scope);
    if (!where) {
        return where.error();
    }
    std::string text = "SELECT " + sql::request_columns("q.") +
                       " FROM requests AS q WHERE q.id > ?" + *where + " ORDER BY q.id " +
                       (page.order == Order::desc ? "DESC" : "ASC") + " LIMIT ?";
    auto stmt = m_impl->db.prepare(text);
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, page.since_id);
    bind_args(*stmt, filter.args, 2);
    stmt->bind(static_cast<int>(filter.args.size()) + 2, sql_limit(page.limit));
    return stream_rows(*stmt, &sql::read_request, fn);
}

Result<int64_t> Reader::count_requests(const query::Sql& filter, RequestScope scope) {
    auto where = requests_where(filter, scope);
    if (!where) {
        return where.error();
    }
    auto stmt = m_impl->db.prepare("SELECT COUNT(*) FROM requests AS q WHERE 1" + *where);
    if (!stmt) {
        return stmt.error();
    }
    bind_args(*stmt, filter.args, 1);
    auto row = stmt->step();
    if (!row) {
        return row.error();
    }
    return stmt->column_int(0);
}

Result<std::optional<StoredRequest>> Reader::request_by_id(int64_t id) {
    using Out = std::optional<StoredRequest>;
    auto stmt =
        m_impl->db.prepare("SELECT " + sql::request_columns() + " FROM requests WHERE id = ?");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, id);
    auto row = stmt->step();
    if (!row) {
        return row.error();
    }
    return *row ? Out{sql::read_request(*stmt)} : Out{};
}

Result<std::optional<StoredEvent>> Reader::event_by_id(int64_t id) {
    using Out = std::optional<StoredEvent>;
    auto stmt = m_impl->db.prepare("SELECT " + sql::event_columns() + " FROM events WHERE id = ?");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, id);
    auto row = stmt->step();
    if (!row) {
        return row.error();
    }
    return *row ? Out{sql::read_event(*stmt)} : Out{};
}

Status Reader::in_snapshot(const std::function<Status()>& fn) {
    if (auto st = m_impl->db.exec("BEGIN"); !st) {
        return st;
    }
    Status out = fn();
    m_impl->db.exec(out ? "COMMIT" : "ROLLBACK");
    return out;
}

} // namespace rm
