// Store micro-benchmark: drives Store::record() from several threads with records shaped like
// bench/run.sh traffic, without HTTP, and prints jobs/s and the writer thread's CPU per job.
// Less noisy than the wrk runs for changes on the writer side. Not part of the product.
//   ruddermock_bench_store [--db PATH] [--jobs N] [--events-per-job N] [--submitters N]
//                          [--repeat-percent P]   (P% of events reuse an earlier messageId,
//                                                  as SDK retries after a lost answer do)
//                          [--max-events N]       (trim as --max-events does)
// It prints how long Store::open took first; --jobs 0 stops there (start-up alone).
#include "storage/store.hpp"
#include "util/clock.hpp"
#include "util/encoding.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
    std::string db = ":memory:";
    int jobs = 100000;
    int events_per_job = 1;
    int submitters = 32;
    int users = 1000;
    int repeat_percent = 0;
    int64_t max_events = 0;
};

const char* k_body =
    R"({"type":"track","userId":"bench-user-1","anonymousId":"5f1c6b8e-1f0a-4c1e-9d2a-3b4c5d6e7f80",)"
    R"("event":"Order Completed","properties":{"order_id":"ord-1","total":129.99,"currency":"USD",)"
    R"("coupon":"WINTER","products":[{"sku":"SKU-001","name":"Thermal Mug","price":24.5,)"
    R"("quantity":2},{"sku":"SKU-002","name":"Wool Socks","price":12.0,"quantity":3}]},)"
    R"("context":{"library":{"name":"bench","version":"1.0.0"},"locale":"en-US","userAgent":)"
    R"("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 )"
    R"(Safari/537.36","ip":"203.0.113.9","page":{"path":"/checkout","url":)"
    R"("https://shop.example.com/checkout"}},"originalTimestamp":"2026-11-26T10:00:00.000Z",)"
    R"("sentAt":"2026-11-26T10:00:00.100Z"})";

rm::EventRecord make_event(int user) {
    rm::EventRecord e;
    e.type = "track";
    e.event_name = "Order Completed";
    e.user_id = "bench-user-" + std::to_string(user);
    e.anonymous_id = "5f1c6b8e-1f0a-4c1e-9d2a-3b4c5d6e7f80";
    e.message_id = rm::random_uuid_v4();
    std::string body = k_body;
    body.pop_back();
    e.payload_json = body + R"(,"rudderId":"de06183b-c88e-485b-9f9b-63b0dd95a300","messageId":")" +
                     e.message_id +
                     R"(","receivedAt":"2026-11-26T12:10:38.822Z","request_ip":"127.0.0.1"})";
    return e;
}

rm::RequestRecord make_request(int events) {
    rm::RequestRecord r;
    r.received_ms = rm::now_ms();
    r.method = "POST";
    r.path = events == 1 ? "/v1/track" : "/v1/batch";
    r.headers_json = R"({"Accept":"*/*","Authorization":"Basic d2s6","Content-Length":"701",)"
                     R"("Content-Type":"application/json","Host":"127.0.0.1:37477",)"
                     R"("User-Agent":"curl/7.88.1"})";
    for (int i = 0; i < events; ++i) {
        r.body += k_body;
    }
    r.status = 200;
    r.response_body = "OK";
    r.write_key = "wk";
    r.peer = "127.0.0.1";
    r.duration_us = 120;
    r.event_count = events;
    return r;
}

double thread_cpu_seconds(const char* name) {
    double total = 0;
    DIR* dir = opendir("/proc/self/task");
    if (!dir) {
        return 0;
    }
    while (dirent* d = readdir(dir)) {
        std::string base = std::string("/proc/self/task/") + d->d_name;
        std::ifstream comm(base + "/comm");
        std::string c;
        if (!std::getline(comm, c) || c != name) {
            continue;
        }
        std::ifstream stat(base + "/stat");
        std::string line;
        std::getline(stat, line);
        // Fields after the ")" that closes the name: state is field 3, utime 14, stime 15.
        std::string rest = line.substr(line.rfind(')') + 2);
        std::vector<std::string> f;
        size_t pos = 0;
        while (pos < rest.size()) {
            size_t sp = rest.find(' ', pos);
            f.push_back(rest.substr(pos, sp - pos));
            pos = sp == std::string::npos ? rest.size() : sp + 1;
        }
        total += (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
    closedir(dir);
    return total;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--db") {
            o.db = argv[i + 1];
        } else if (flag == "--jobs") {
            o.jobs = std::atoi(argv[i + 1]);
        } else if (flag == "--events-per-job") {
            o.events_per_job = std::atoi(argv[i + 1]);
        } else if (flag == "--users") {
            o.users = std::atoi(argv[i + 1]);
        } else if (flag == "--repeat-percent") {
            o.repeat_percent = std::atoi(argv[i + 1]);
        } else if (flag == "--submitters") {
            o.submitters = std::atoi(argv[i + 1]);
        } else if (flag == "--max-events") {
            o.max_events = std::atoll(argv[i + 1]);
        } else {
            std::fprintf(stderr, "unknown flag %s\n", argv[i]);
            return 2;
        }
    }
    rm::StoreOptions so;
    so.path = o.db;
    so.max_events = o.max_events;
    const auto open0 = std::chrono::steady_clock::now();
    auto store = rm::Store::open(so);
    if (!store) {
        std::fprintf(stderr, "%s\n", store.error().message.c_str());
        return 1;
    }
    std::printf("Store::open %.0f ms\n",
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - open0)
                    .count());
    if (o.jobs == 0) {
        return 0;
    }
    // Records are built before the clock starts: only the store's work is timed.
    std::vector<std::vector<rm::EventRecord>> events(static_cast<size_t>(o.jobs));
    std::vector<std::string> sent_ids;
    uint64_t rng = 12345;
    auto next_random = [&rng] {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        return rng >> 33;
    };
    for (int j = 0; j < o.jobs; ++j) {
        for (int k = 0; k < o.events_per_job; ++k) {
            rm::EventRecord e = make_event(j % o.users);
            if (!sent_ids.empty() && static_cast<int>(next_random() % 100) < o.repeat_percent) {
                const std::string& again = sent_ids[next_random() % sent_ids.size()];
                const size_t at = e.payload_json.find(e.message_id);
                e.payload_json.replace(at, e.message_id.size(), again);
                e.message_id = again;
            } else {
                sent_ids.push_back(e.message_id);
            }
            events[static_cast<size_t>(j)].push_back(std::move(e));
        }
    }
    const rm::RequestRecord request = make_request(o.events_per_job);
    std::atomic<int> next{0};
    std::atomic<int> failed{0};
    const double cpu0 = thread_cpu_seconds("rm-writer");
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < o.submitters; ++t) {
        threads.emplace_back([&] {
            for (int j; (j = next.fetch_add(1)) < o.jobs;) {
                auto r = (*store)->record(request, std::move(events[static_cast<size_t>(j)]));
                if (!r) {
                    ++failed;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = thread_cpu_seconds("rm-writer") - cpu0;
    std::printf("repeats %d%%: ", o.repeat_percent);
    std::printf("jobs %d x %d events, %d submitters: %.0f jobs/s, %.0f events/s, writer %.0f%% "
                "busy, %.2f us/job, %.2f us/event, failed %d\n",
                o.jobs, o.events_per_job, o.submitters, o.jobs / wall,
                o.jobs * o.events_per_job / wall, 100 * cpu / wall, 1e6 * cpu / o.jobs,
                1e6 * cpu / (o.jobs * o.events_per_job), failed.load());
    std::ifstream io("/proc/self/io");
    for (std::string line; std::getline(io, line);) {
        if (line.rfind("wchar:", 0) == 0) {
            std::printf("written through write(): %.1f KiB per job\n",
                        std::stod(line.substr(6)) / 1024 / o.jobs);
        }
    }
    return failed.load() == 0 ? 0 : 1;
}
