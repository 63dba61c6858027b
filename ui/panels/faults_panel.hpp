// The Faults tab: one-click preset rules per route (faults/fault_presets.hpp), the active plan
// as a table of rules with their live matched/fired counts (remove, reorder, clear all), and
// the whole plan as editable JSON. Every change installs a new plan through the FaultEngine,
// which restarts the counters. With --open there is no server, so no engine: it says so.
#pragma once

#include "../view.hpp"
#include "faults/fault_engine.hpp"
#include "faults/fault_presets.hpp"

#include <string>

namespace rm::ui {

class FaultsPanel : public View {
  public:
    using View::View;

  protected:
    void draw_content() override;

  private:
    void draw_presets(const FaultPlan& plan);
    void draw_rules(const std::optional<FaultEngine::Snapshot>& snap);
    void draw_editor(const std::optional<FaultEngine::Snapshot>& snap);
    void install(FaultPlan plan, const std::string& what);
    PresetOptions options() const;

    // The preset form.
    std::string m_route = "/v1/*";
    std::string m_write_key;
    int m_trigger = 0; // PresetTrigger
    int m_first_n = 2;
    int m_every_n = 5;
    float m_probability = 0.1f;
    bool m_retry_after_on = true;
    int m_retry_after_s = 1;
    int m_delay_min_ms = 200;
    int m_delay_max_ms = 800;
    std::string m_preset_error;

    // The JSON editor: its text, the plan it was loaded from (compact JSON), and whether the
    // user changed it since (then a changed plan does not overwrite it).
    std::string m_json;
    std::string m_json_source;
    bool m_edited = false;
    bool m_reload = true; // load the text from the plan on the next frame
    std::string m_apply_error;
    uint64_t m_seen_version = 0; // the engine's plan version this frame was drawn from
};

} // namespace rm::ui
