// Inspector benchmark (prints numbers; not a test): the panels driven with ImGui's null
// backend (no window) over a live server whose file database holds N events, while traffic
// arrives at a steady rate. Measures the UI thread's CPU per frame, how long a changed
// filter takes to show its first page, how soon a committed event appears, and memory.
// Usage: ruddermock_bench_ui [--events N] [--rate EVENTS_PER_S] [--seconds S] [--db PATH]
#include "app/server_app.hpp"
#include "faults/fault_engine.hpp"
#include "storage/store.hpp"
#include "ui/fonts.hpp"
#include "ui/inspector.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <httplib.h>
#include <imgui.h>
#include <string>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

namespace {
double thread_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

long rss_mb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stol(line.substr(6)) / 1024;
        }
    }
    return -1;
}

std::string batch_body(int64_t first, int count, const std::string& run) {
    std::string body = "{\"batch\":[";
    for (int i = 0; i < count; ++i) {
        int64_t n = first + i;
        if (i) {
            body += ',';
        }
        const char* type = n % 4 == 0 ? "identify" : n % 4 == 1 ? "page" : "track";
        body +=
            "{\"type\":\"" + std::string(type) + "\",\"userId\":\"bench-user-" +
            std::to_string(n % 5000) + "\",\"messageId\":\"" + run + "-" + std::to_string(n) +
            "\",\"event\":\"Order Completed\",\"name\":\"Checkout\",\"properties\":{\"total\":" +
            std::to_string(n % 300) + ",\"currency\":\"USD\"},\"context\":{\"library\":{" +
            "\"name\":\"bench\",\"version\":\"1.0\"}}}";
    }
    return body + "]}";
}

int64_t fill(int port, int64_t have, int64_t want, const std::string& run) {
    std::atomic<int64_t> next{have};
    std::vector<std::thread> threads;
    auto start = Clock::now();
    for (int t = 0; t < 2; ++t) {
        threads.emplace_back([&, t] {
            httplib::Client c("127.0.0.1", port);
            c.set_keep_alive(true);
            for (;;) {
                int64_t first = next.fetch_add(100);
                if (first >= want) {
                    return;
                }
                auto r = c.Post("/v1/batch", {{"Authorization", "Basic d2stYmVuY2g6"}},
                                batch_body(first, 100, run + "f" + std::to_string(t)),
                                "application/json");
                if (!r || r->status != 200) {
                    std::fprintf(stderr, "fill: request failed\n");
                    return;
                }
                if (t == 0 && first % 100000 < 100) {
                    std::fprintf(stderr, "\rfilling: %lld / %lld events", (long long)first,
                                 (long long)want);
                }
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    double s = std::chrono::duration<double>(Clock::now() - start).count();
    std::fprintf(stderr, "\rfilled %lld events in %.1f s\n", (long long)(want - have), s);
    return want;
}

struct Harness {
    rm::MainThreadQueue tasks;
    std::unique_ptr<rm::EventFeed> feed;
    rm::ui::Settings settings;
    std::unique_ptr<rm::ui::Inspector> inspector;
    double frame(std::vector<double>* cpu) {
        double before = thread_cpu_ms();
        tasks.run_pending();
        ImGui::GetIO().DeltaTime = 1.0f / 60.0f;
        ImGui::NewFrame();
        inspector->frame();
        ImGui::Render();
        double spent = thread_cpu_ms() - before;
        if (cpu) {
            cpu->push_back(spent);
        }
        return spent;
    }
    // Frames at ~60 fps until done(); returns the wall time in ms.
    double until(const std::function<bool()>& done, double timeout_ms = 20000) {
        auto start = Clock::now();
        for (;;) {
            frame(nullptr);
            double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
            if (done() || ms > timeout_ms) {
                return ms;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }
};

double percentile(std::vector<double> v, double p) {
    if (v.empty()) {
        return 0;
    }
    std::sort(v.begin(), v.end());
    return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}
} // namespace

int main(int argc, char** argv) {
    int64_t events = 1000000;
    int rate = 2000;
    int seconds = 10;
    std::string db = (std::filesystem::temp_directory_path() / "ruddermock-bench-ui.db").string();
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--events") {
            events = std::stoll(argv[i + 1]);
        } else if (a == "--rate") {
            rate = std::stoi(argv[i + 1]);
        } else if (a == "--seconds") {
            seconds = std::stoi(argv[i + 1]);
        } else if (a == "--db") {
            db = argv[i + 1];
        }
    }
    rm::Config config;
    config.headless = true;
    config.port = 0;
    config.db = db;
    config.log_level = rm::log::Level::warn;
    rm::log::set_level(config.log_level);
    auto app = rm::ServerApp::create(config);
    if (!app || !(*app)->start()) {
        std::fprintf(stderr, "cannot start the server on %s\n", db.c_str());
        return 2;
    }
    rm::Store& store = (*app)->store();
    int port = std::stoi((*app)->url().substr((*app)->url().rfind(':') + 1));
    const std::string run = std::to_string(std::time(nullptr));
    rm::EventFilter all;
    int64_t have = store.count_events(all).value();
    if (have < events) {
        fill(port, have, events, run);
    }
    have = store.count_events(all).value();

    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(1440, 900);
    io.IniFilename = nullptr;
    rm::ui::Fonts fonts = rm::ui::load_fonts(16.0f, 1.0f);
    unsigned char* px = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&px, &w, &h);
    Harness hx;
    auto open_start = Clock::now();
    hx.feed = std::move(*rm::EventFeed::open(store.path(), &store, hx.tasks));
    rm::ui::InspectorContext ctx(*hx.feed, hx.tasks, hx.settings, fonts);
    ctx.store = &store;
    ctx.faults = &(*app)->faults();
    ctx.url = (*app)->url();
    ctx.db_path = db;
    hx.inspector = std::make_unique<rm::ui::Inspector>(std::move(ctx));
    double loaded_ms = hx.until([&] { return !hx.feed->searching(); });
    (void)open_start;
    std::printf("ruddermock inspector benchmark: %lld events stored in %s, %d events/s "
                "arriving, ImGui null backend\n",
                (long long)have, db.c_str(), rate);
    std::printf("open: all %zu ids listed in %.0f ms\n", hx.feed->size(), loaded_ms);

    // Steady traffic while frames run.
    std::atomic<bool> stop{false};
    std::thread traffic([&] {
        httplib::Client c("127.0.0.1", port);
        c.set_keep_alive(true);
        const int per_request = 20;
        const auto interval = std::chrono::microseconds(1000000LL * per_request / rate);
        auto next = Clock::now();
        int64_t n = 0;
        while (!stop.load()) {
            c.Post("/v1/batch", {{"Authorization", "Basic d2stYmVuY2g6"}},
                   batch_body(n, per_request, run + "t"), "application/json");
            n += per_request;
            next += interval;
            std::this_thread::sleep_until(next);
        }
    });
    std::vector<double> cpu;
    auto until = Clock::now() + std::chrono::seconds(seconds);
    size_t frames = 0;
    while (Clock::now() < until) {
        hx.frame(&cpu);
        ++frames;
        std::this_thread::sleep_for(std::chrono::milliseconds(16));
    }
    std::printf(
        "frames with traffic: %zu over %d s; UI thread CPU per frame: mean %.2f ms, "
        "p50 %.2f, p99 %.2f, max %.2f (target < 8 ms)\n",
        frames, seconds,
        [&] {
            double s = 0;
            for (double v : cpu) {
                s += v;
            }
            return s / static_cast<double>(std::max<size_t>(cpu.size(), 1));
        }(),
        percentile(cpu, 0.5), percentile(cpu, 0.99), percentile(cpu, 1.0));

    // Filters: time to the first page (100 rows known) and to the end of the search.
    const char* filters[] = {"type:track",
                             "user:bench-user-7",
                             "key:wk-bench",
                             "status:200",
                             "id:>1000",
                             "properties.total>250",
                             "\"Checkout\" user:bench-user-9"};
    for (const char* f : filters) {
        auto start = Clock::now();
        if (!hx.feed->set_filter(f)) {
            std::printf("filter %-32s: parse error\n", f);
            continue;
        }
        double first = hx.until([&] { return hx.feed->size() >= 100 || !hx.feed->searching(); });
        double done = hx.until([&] { return !hx.feed->searching(); }, 60000);
        (void)start;
        std::printf("filter %-32s first page %7.0f ms, complete %7.0f ms, %zu matches\n", f, first,
                    done, hx.feed->size());
    }
    hx.feed->set_filter("");
    hx.until([&] { return !hx.feed->searching(); });

    // A committed event appears within: post one, time until the feed lists it.
    std::vector<double> appear;
    for (int i = 0; i < 20; ++i) {
        size_t before = hx.feed->size();
        httplib::Client c("127.0.0.1", port);
        c.Post("/v1/track", {{"Authorization", "Basic d2stYmVuY2g6"}},
               R"({"userId":"probe","event":"Probe"})", "application/json");
        auto committed = Clock::now();
        hx.until([&] { return hx.feed->size() > before; }, 5000);
        appear.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - committed).count());
    }
    stop = true;
    traffic.join();
    std::printf("committed event shown after: p50 %.0f ms, max %.0f ms (target <= 100 ms; "
                "traffic still arriving)\n",
                percentile(appear, 0.5), percentile(appear, 1.0));
    std::printf("resident memory of the whole process: %ld MB (target < 150 MB)\n", rss_mb());
    hx.inspector.reset();
    hx.feed.reset();
    ImGui::DestroyContext();
    (*app)->stop();
    return 0;
}
