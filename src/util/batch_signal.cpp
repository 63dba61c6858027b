#include "util/batch_signal.hpp"

#include <climits>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace rm {

namespace {
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));

void futex_wait(std::atomic<uint32_t>& word, uint32_t expected) {
    // Returns on a wake-up, when the word no longer holds `expected`, or on a signal: the
    // caller re-checks in every case.
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr,
            nullptr, 0);
}

void futex_wake_all(std::atomic<uint32_t>& word) {
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
            nullptr, 0);
}
} // namespace

void BatchSignal::publish(uint64_t batch) {
    m_done.store(batch, std::memory_order_seq_cst);
    auto& word = m_words[batch % 2];
    word.fetch_add(1, std::memory_order_seq_cst);
    futex_wake_all(word);
}

void BatchSignal::wait(uint64_t batch) {
    auto& word = m_words[batch % 2];
    for (;;) {
        // Read the word before checking: a publish in between changes it, so the futex call
        // returns at once instead of sleeping through the wake-up.
        const uint32_t seen = word.load(std::memory_order_seq_cst);
        if (m_done.load(std::memory_order_seq_cst) >= batch) {
            return;
        }
        futex_wait(word, seen);
    }
}

} // namespace rm
