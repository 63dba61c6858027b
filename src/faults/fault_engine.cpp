#include "faults/fault_engine.hpp"

#include <algorithm>

namespace rm {

uint64_t fault_rng_next(uint64_t& state) {
    state += 0x9E3779B97F4A7C15ULL;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

namespace {
struct RuleState {
    std::mutex mutex;
    int64_t matched = 0;
    int64_t fired = 0;
    uint64_t rng = 0;
};

bool same_method(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i] >= 'a' && a[i] <= 'z' ? static_cast<char>(a[i] - 32) : a[i];
        char y = b[i] >= 'a' && b[i] <= 'z' ? static_cast<char>(b[i] - 32) : b[i];
        if (x != y) {
            return false;
        }
    }
    return true;
}

bool matches(const FaultMatch& m, const FaultRequest& r) {
    if (!m.route.empty() && !route_matches(m.route, r.path)) {
        return false;
    }
    if (!m.method.empty() && !same_method(m.method, r.method)) {
        return false;
    }
    if (!m.write_key.empty() && m.write_key != r.write_key) {
        return false;
    }
    const size_t count = r.events ? r.events->size() : 0;
    if (m.min_events > 0 && static_cast<int64_t>(count) < m.min_events) {
        return false;
    }
    if (!m.type.empty()) {
        if (!r.events) {
            return false;
        }
        auto has = std::any_of(r.events->begin(), r.events->end(),
                               [&](const EventRecord& e) { return e.type == m.type; });
        if (!has) {
            return false;
        }
    }
    return true;
}

// Whether the trigger fires for the ordinal-th matching request, given a fresh draw.
bool fires(const FaultTrigger& t, int64_t ordinal, int64_t fired, int64_t elapsed_ms,
           uint64_t draw) {
    if (t.first && ordinal > *t.first) {
        return false;
    }
    if (t.every && ordinal % *t.every != 0) {
        return false;
    }
    if (t.after && ordinal <= *t.after) {
        return false;
    }
    if (!t.nth.empty() && std::find(t.nth.begin(), t.nth.end(), ordinal) == t.nth.end()) {
        return false;
    }
    if (t.times && fired >= *t.times) {
        return false;
    }
    if (t.from_ms && elapsed_ms < *t.from_ms) {
        return false;
    }
    if (t.until_ms && elapsed_ms >= *t.until_ms) {
        return false;
    }
    if (t.probability) {
        // 53 high bits as a double in [0, 1): p = 1 always fires, p = 0 never does.
        double u = static_cast<double>(draw >> 11) * (1.0 / 9007199254740992.0);
        if (!(u < *t.probability)) {
            return false;
        }
    }
    return true;
}
} // namespace

struct FaultEngine::Active {
    FaultPlan plan;
    std::chrono::steady_clock::time_point set_at;
    std::unique_ptr<RuleState[]> states;
};

FaultEngine::FaultEngine() = default;
FaultEngine::~FaultEngine() = default;

std::shared_ptr<FaultEngine::Active> FaultEngine::make_active(FaultPlan plan) {
    auto active = std::make_shared<Active>();
    active->set_at = std::chrono::steady_clock::now();
    active->states = std::make_unique<RuleState[]>(plan.rules.size());
    for (size_t i = 0; i < plan.rules.size(); ++i) {
        // Distinct, well-mixed streams per position: the seed alone would make rule 2 start
        // where rule 1's second draw is.
        uint64_t s = plan.seed ^ (0xD1B54A32D192ED03ULL * (i + 1));
        active->states[i].rng = fault_rng_next(s);
    }
    active->plan = std::move(plan);
    return active;
}

void FaultEngine::set(FaultPlan plan) {
    auto active = make_active(std::move(plan));
    std::lock_guard lock(m_mutex);
    m_plan = std::move(active);
    m_active.store(true, std::memory_order_release);
    m_version.fetch_add(1, std::memory_order_acq_rel);
}

void FaultEngine::clear() {
    std::lock_guard lock(m_mutex);
    m_plan.reset();
    m_active.store(false, std::memory_order_release);
    m_version.fetch_add(1, std::memory_order_acq_rel);
}

bool FaultEngine::set_if(FaultPlan plan, uint64_t expected_version) {
    const bool empty = plan.rules.empty();
    auto active = empty ? nullptr : make_active(std::move(plan));
    std::lock_guard lock(m_mutex);
    if (m_version.load(std::memory_order_acquire) != expected_version) {
        return false;
    }
    m_plan = std::move(active);
    m_active.store(!empty, std::memory_order_release);
    m_version.fetch_add(1, std::memory_order_acq_rel);
    return true;
}

std::shared_ptr<FaultEngine::Active> FaultEngine::current() const {
    std::lock_guard lock(m_mutex);
    return m_plan;
}

std::optional<FaultDecision> FaultEngine::decide(const FaultRequest& request) {
    if (!active()) {
        return std::nullopt;
    }
    std::shared_ptr<Active> plan = current(); // kept until this request is decided
    if (!plan) {
        return std::nullopt;
    }
    const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - plan->set_at)
                                .count();
    for (size_t i = 0; i < plan->plan.rules.size(); ++i) {
        const FaultRule& rule = plan->plan.rules[i];
        if (!matches(rule.match, request)) {
            continue;
        }
        RuleState& state = plan->states[i];
        std::lock_guard lock(state.mutex);
        const int64_t ordinal = ++state.matched;
        // One step of the generator per matched request, whether the rule fires or not, so
        // what a rule does depends only on the sequence of requests it matched.
        const uint64_t draw = fault_rng_next(state.rng);
        if (!fires(rule.trigger, ordinal, state.fired, elapsed_ms, draw)) {
            continue;
        }
        ++state.fired;
        FaultDecision d;
        d.rule_id = rule.id;
        d.status = rule.effect.status;
        d.headers = rule.effect.headers;
        d.body = rule.effect.body;
        d.connection = rule.effect.connection;
        d.delay_ms = rule.effect.delay_min_ms;
        if (rule.effect.delay_max_ms > rule.effect.delay_min_ms) {
            uint64_t mixed = draw;
            const auto span =
                static_cast<uint64_t>(rule.effect.delay_max_ms - rule.effect.delay_min_ms + 1);
            d.delay_ms += static_cast<int64_t>(fault_rng_next(mixed) % span);
        }
        return d;
    }
    return std::nullopt;
}

std::optional<FaultEngine::Snapshot> FaultEngine::snapshot() const {
    std::shared_ptr<Active> plan = current();
    if (!plan) {
        return std::nullopt;
    }
    Snapshot out;
    out.plan = plan->plan;
    for (size_t i = 0; i < plan->plan.rules.size(); ++i) {
        std::lock_guard lock(plan->states[i].mutex);
        out.counts.push_back({plan->states[i].matched, plan->states[i].fired});
    }
    return out;
}

} // namespace rm
