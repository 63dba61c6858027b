// BatchSignal: threads wait for "batch N is done", one wake-up call per batch.
//
// Meeting point (owned by the store): the writer thread publishes each finished batch; the
// HTTP handler whose job is in batch N blocks in wait(N). Compared with one promise per job,
// the writer makes one futex call per batch instead of one per job, and the kernel wakes all
// of a batch's waiters in one go. Waiters of the next batch sleep on the other of two words,
// so a publish never wakes them for nothing. Batches must be published in order 1, 2, 3...
#pragma once

#include <atomic>
#include <cstdint>

namespace rm {

class BatchSignal {
  public:
    // Writer side: every batch up to and including `batch` is done (its results are written).
    void publish(uint64_t batch);
    // Waiter side: returns once `batch` has been published.
    void wait(uint64_t batch);
    uint64_t published() const { return m_done.load(std::memory_order_acquire); }

  private:
    std::atomic<uint64_t> m_done{0};
    std::atomic<uint32_t> m_words[2] = {0, 0}; // futex words, one per batch parity
};

} // namespace rm
