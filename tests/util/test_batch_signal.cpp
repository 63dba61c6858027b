#include "util/batch_signal.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

TEST_CASE("BatchSignal: a published batch does not block") {
    rm::BatchSignal signal;
    signal.publish(1);
    signal.publish(2);
    signal.wait(1);
    signal.wait(2);
    CHECK(signal.published() == 2);
}

TEST_CASE("BatchSignal: a waiter returns only once its batch is published") {
    rm::BatchSignal signal;
    std::atomic<bool> returned{false};
    std::thread waiter([&] {
        signal.wait(2);
        returned = true;
    });
    signal.publish(1); // wakes the other parity's word, or nobody: the waiter stays
    std::this_thread::sleep_for(50ms);
    CHECK_FALSE(returned.load());
    signal.publish(2);
    waiter.join();
    CHECK(returned.load());
}

TEST_CASE("BatchSignal: many waiters over many batches see what was written before publish") {
    rm::BatchSignal signal;
    constexpr int k_batches = 2000;
    constexpr int k_waiters = 8;
    std::vector<int> written(k_batches + 1, 0); // plain ints: publish must order them
    std::atomic<int> wrong{0};
    std::vector<std::thread> waiters;
    for (int w = 0; w < k_waiters; ++w) {
        waiters.emplace_back([&] {
            for (;;) {
                // Waiters only ask for batches not yet published, as the store's submitters do.
                uint64_t batch = signal.published() + 1;
                if (batch > k_batches) {
                    return;
                }
                signal.wait(batch);
                if (written[batch] != static_cast<int>(batch)) {
                    ++wrong;
                }
            }
        });
    }
    for (int b = 1; b <= k_batches; ++b) {
        written[b] = b;
        signal.publish(static_cast<uint64_t>(b));
        if (b % 100 == 0) {
            std::this_thread::yield();
        }
    }
    for (auto& t : waiters) {
        t.join();
    }
    CHECK(wrong.load() == 0);
    CHECK(signal.published() == k_batches);
}
