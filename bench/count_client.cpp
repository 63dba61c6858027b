// Fixed-count load client for the benchmark: sends exactly N requests over C keep-alive
// connections and reports how many were acknowledged with 200 (wrk cannot: it stops counting
// requests still in flight at its deadline). Not part of the product.
#include <atomic>
#include <httplib.h>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 6) {
        std::cerr << "usage: count_client PORT PATH BODY_FILE REQUESTS CONNECTIONS\n";
        return 2;
    }
    int port = std::atoi(argv[1]);
    std::string path = argv[2];
    std::string body;
    {
        FILE* f = std::fopen(argv[3], "rb");
        if (!f) {
            std::cerr << "cannot read " << argv[3] << "\n";
            return 2;
        }
        char buf[65536];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
            body.append(buf, n);
        }
        std::fclose(f);
    }
    long total = std::atol(argv[4]);
    int connections = std::atoi(argv[5]);
    std::atomic<long> next{0};
    std::atomic<long> acknowledged{0};
    std::atomic<long> failed{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < connections; ++c) {
        threads.emplace_back([&] {
            httplib::Client client("127.0.0.1", port);
            client.set_keep_alive(true);
            client.set_basic_auth("wk-bench-count", "");
            while (next.fetch_add(1) < total) {
                auto res = client.Post(path.c_str(), body, "application/json");
                if (res && res->status == 200) {
                    acknowledged.fetch_add(1);
                } else {
                    failed.fetch_add(1);
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    std::cout << acknowledged.load() << " " << failed.load() << std::endl;
    return 0;
}
