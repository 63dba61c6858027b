// `ruddermock export`: captured events as NDJSON, JSON, HAR or a curl script, read from a
// database file read-only (also while a server writes it). The work is export/exporter.hpp's;
// this file is the command line: flags, the output file (written to FILE.tmp-PID, renamed
// when complete, removed on any error or on SIGINT/SIGTERM) and a progress bar on stderr when
// stderr is a terminal.
#include "app/flag_reader.hpp"
#include "app/progress_bar.hpp"
#include "export/exporter.hpp"
#include "query/filter.hpp"
#include "storage/reader.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <malloc.h>
#include <optional>
#include <unistd.h>

namespace rm {

int cmd_export(const std::vector<std::string>& args);

namespace {

constexpr const char* k_usage =
    R"(Usage: ruddermock export [--db FILE] --format ndjson|json|har|curl [--filter EXPR]
                         [--normalize] [--all-requests] [-o FILE]

Writes what a ruddermock database holds, in id order, to stdout or FILE. The database is read
read-only and may be in use by a running server.

  --db FILE        the database (default ./ruddermock.db)
  --format F       ndjson  one stored event per line (the event as stored)
                   json    an array of the same
                   har     HAR 1.2 of the requests that carried the events
                   curl    a sh script of curl commands replaying those requests against
                           ${RUDDERMOCK_URL:-http://127.0.0.1:8080}
  --filter EXPR    only events matching EXPR, e.g. 'type:track event:"Order Completed"',
                   'key:WK1 properties.total>100', 'status:4xx', 'after:2026-11-30'
  --normalize      stable placeholders for values that change on every run (messageId,
                   anonymousId when SDK-generated, rudderId, timestamps, request_ip,
                   context.library.version, _metadata; in har/curl also Date, SentAt,
                   AnonymousId, User-Agent and Host headers) and keys sorted, so two runs of
                   the same test export identical files
  --all-requests   har/curl: every journaled request, refused ones too (401s, faults, bad
                   JSON), instead of those that carried events; not with --filter
  -o, --output F   write to F (complete or not at all: a temporary file renamed at the end)
  --help           this text

Exit codes: 0 done, 2 bad flags or filter, unreadable database, unwritable output.
)";

struct Args {
    std::string db = "ruddermock.db";
    std::optional<ExportFormat> format;
    std::string filter;
    bool has_filter = false;
    bool normalize = false;
    bool all_requests = false;
    std::string output; // "" or "-" = stdout
    bool help = false;
};

Result<Args> parse_args(const std::vector<std::string>& args) {
    Args out;
    for (FlagReader r(args); r.next();) {
        const std::string& flag = r.flag();
        auto value = [&] { return r.value(); };
        auto no_value = [&] { return r.no_value(); };
        Status st = Ok{};
        if (flag == "--help" || flag == "-h") {
            out.help = true;
        } else if (flag == "--normalize") {
            st = no_value();
            out.normalize = true;
        } else if (flag == "--all-requests") {
            st = no_value();
            out.all_requests = true;
        } else if (flag == "--db" || flag == "--format" || flag == "--filter" ||
                   flag == "--output" || flag == "-o") {
            auto v = value();
            if (!v) {
                return v.error();
            }
            if (flag == "--db") {
                out.db = *v;
            } else if (flag == "--filter") {
                out.filter = *v;
                out.has_filter = true;
            } else if (flag == "--format") {
                auto f = parse_export_format(*v);
                if (!f) {
                    return make_error("--format: " + f.error().message);
                }
                out.format = *f;
            } else {
                out.output = *v;
            }
        } else {
            return make_error("unknown option '" + flag + "' (ruddermock export --help)");
        }
        if (!st) {
            return st.error();
        }
    }
    if (out.help) {
        return out;
    }
    if (!out.format) {
        return make_error("missing --format (ndjson, json, har or curl)");
    }
    if (out.db.empty()) {
        return make_error("--db needs a file");
    }
    if (out.all_requests && out.has_filter && !out.filter.empty()) {
        return make_error("--all-requests exports every request and takes no --filter");
    }
    return out;
}

// The temporary output, removed by the signal handler when interrupted.
char g_temp_path[4096];
volatile std::sig_atomic_t g_has_temp = 0;

extern "C" void remove_temp_and_exit(int sig) {
    if (g_has_temp) {
        ::unlink(g_temp_path);
    }
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

int fail(const std::string& message) {
    std::cerr << "ruddermock export: " << message << "\n";
    return 2;
}

} // namespace

int cmd_export(const std::vector<std::string>& argv) {
    // Each row allocates and frees its strings (a batch's decoded body: ~100 KB): with glibc's
    // defaults the heap top then shrinks and grows by brk for every row (page faults and TLB
    // flushes were 35-60% of a har/curl export's time). This process only exports: keep it.
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
    auto args = parse_args(argv);
    if (!args) {
        return fail(args.error().message);
    }
    if (args->help) {
        std::cout << k_usage;
        return 0;
    }
    ExportOptions options;
    options.format = *args->format;
    options.normalize = args->normalize;
    options.requests = args->all_requests ? RequestScope::all : RequestScope::events;
    if (!args->filter.empty()) {
        auto parsed = query::parse(args->filter);
        if (!parsed) {
            return fail(parsed.error().message);
        }
        auto compiled = query::compile(*parsed);
        if (!compiled) {
            return fail(compiled.error().message);
        }
        options.filter = std::move(*compiled);
    }
    auto reader = Reader::open(args->db);
    if (!reader) {
        return fail(reader.error().message);
    }

    const bool to_stdout = args->output.empty() || args->output == "-";
    int fd = STDOUT_FILENO;
    std::string temp;
    if (!to_stdout) {
        temp = args->output + ".tmp-" + std::to_string(::getpid());
        if (temp.size() >= sizeof g_temp_path) {
            return fail("output path too long: " + args->output);
        }
        std::memcpy(g_temp_path, temp.c_str(), temp.size() + 1);
        // Blocked while the file is created, so an interrupt cannot leave it behind.
        sigset_t stop, old;
        sigemptyset(&stop);
        for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
            sigaddset(&stop, sig);
        }
        sigprocmask(SIG_BLOCK, &stop, &old);
        fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        const int open_errno = errno;
        if (fd >= 0) {
            g_has_temp = 1;
            for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
                std::signal(sig, remove_temp_and_exit);
            }
        }
        sigprocmask(SIG_SETMASK, &old, nullptr);
        if (fd < 0) {
            return fail("cannot write " + args->output + ": " + std::strerror(open_errno));
        }
    }
    auto cleanup = [&] {
        if (!to_stdout) {
            ::close(fd);
            ::unlink(temp.c_str());
            g_has_temp = 0;
        }
    };

    int write_errno = 0;
    auto sink = [&](std::string_view chunk) {
        if (!write_all(fd, chunk)) {
            write_errno = errno;
            return false;
        }
        return true;
    };
    const bool events =
        options.format == ExportFormat::ndjson || options.format == ExportFormat::json;
    ProgressBar bar("export", events ? "events" : "requests");
    ExportProgress progress;
    if (::isatty(STDERR_FILENO)) {
        progress = [&](int64_t done, int64_t total) { bar.update(done, total); };
    }
    auto summary = run_export(**reader, options, sink, progress);
    bar.end();
    if (!summary) {
        cleanup();
        if (write_errno != 0) {
            return fail("cannot write " + (to_stdout ? std::string("stdout") : args->output) +
                        ": " + std::strerror(write_errno));
        }
        return fail(summary.error().message);
    }
    if (!to_stdout) {
        if (::close(fd) != 0) {
            const int e = errno;
            ::unlink(temp.c_str());
            g_has_temp = 0;
            return fail("cannot write " + args->output + ": " + std::strerror(e));
        }
        if (std::rename(temp.c_str(), args->output.c_str()) != 0) {
            const int e = errno;
            ::unlink(temp.c_str());
            g_has_temp = 0;
            return fail("cannot write " + args->output + ": " + std::strerror(e));
        }
        g_has_temp = 0;
    }
    return 0;
}

} // namespace rm
