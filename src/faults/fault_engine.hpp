// Decides, for each request that reaches the fault step of the pipeline, which rule of the
// active fault plan fires (fault_plan.hpp), reproducibly.
//
// Thread meeting point owned here: the active plan. HTTP workers call decide() concurrently;
// the admin API and start-up call set()/clear(). A plan is installed whole behind a
// shared_ptr: a request that took the old plan finishes under it, and counters restart with
// the new one. With no plan, decide() costs one atomic load. Each rule counts the requests
// it matched, and draws its random numbers, under its own mutex, so ordinals are exact.
#pragma once

#include "faults/fault_plan.hpp"
#include "model/records.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

namespace rm {

// What the fault step knows about a request.
struct FaultRequest {
    std::string_view method;
    std::string_view path;
    std::string_view write_key;
    const std::vector<EventRecord>* events = nullptr; // parsed events, when the body parsed
};

// The rule that fired and what it does to this request (the delay already drawn).
struct FaultDecision {
    std::string rule_id;
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<std::string> body;
    int64_t delay_ms = 0;
    ConnectionFault connection = ConnectionFault::none;

    // A status or a connection fault: the request's events are not stored.
    bool refuses() const { return status != 0 || connection != ConnectionFault::none; }
};

struct FaultRuleCounts {
    int64_t matched = 0;
    int64_t fired = 0;
};

class FaultEngine {
  public:
    FaultEngine();
    ~FaultEngine();

    // Replaces the plan atomically (counters restart; the window clock starts now).
    void set(FaultPlan plan);
    void clear();
    // Counts every set() and clear(): a panel that read the plan at version v and changes it
    // uses set_if(plan, v), which does nothing and returns false when another writer
    // (PUT /_mock/faults) replaced the plan in between. An empty plan clears.
    uint64_t version() const { return m_version.load(std::memory_order_acquire); }
    bool set_if(FaultPlan plan, uint64_t expected_version);
    bool active() const { return m_active.load(std::memory_order_acquire); }

    // The first rule, in plan order, that matches the request and fires; nullopt when none.
    // Rules after a matching rule that did not fire still see the request; rules after the
    // one that fired do not (the request is decided).
    std::optional<FaultDecision> decide(const FaultRequest& request);

    // The plan with each rule's counts, or nullopt when no plan is set.
    struct Snapshot {
        FaultPlan plan;
        std::vector<FaultRuleCounts> counts;
    };
    std::optional<Snapshot> snapshot() const;

    struct Active; // a plan with its per-rule state

  private:
    std::shared_ptr<Active> current() const;
    static std::shared_ptr<Active> make_active(FaultPlan plan);

    std::atomic<bool> m_active{false};
    mutable std::mutex m_mutex; // guards m_plan (the pointer, not the plan's counters)
    std::shared_ptr<Active> m_plan;
    std::atomic<uint64_t> m_version{0}; // changed under m_mutex
};

// splitmix64: the generator each rule draws from (seeded by the plan's seed and the rule's
// position). Exposed for tests of determinism.
uint64_t fault_rng_next(uint64_t& state);

} // namespace rm
