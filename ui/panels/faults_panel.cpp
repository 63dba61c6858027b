#include "faults_panel.hpp"

#include "../theme.hpp"
#include "util/plural.hpp"

#include <imgui_stdlib.h>

namespace rm::ui {

namespace {

struct RouteChoice {
    const char* label;
    const char* route;
};
const RouteChoice k_routes[] = {
    {"All event routes (/v1/*)", "/v1/*"},
    {"/v1/batch", "/v1/batch"},
    {"/v1/track", "/v1/track"},
    {"/v1/identify", "/v1/identify"},
    {"/v1/page", "/v1/page"},
    {"Every route (also beacon, pixel, internal)", ""},
};

enum class Action { none, up, down, remove };

ImVec4 effect_colour(const FaultEffect& e) {
    if (e.status != 0) {
        return status_colour(e.status);
    }
    return e.connection != ConnectionFault::none ? status_colour(0) : warning_colour();
}

void tooltip(const char* text) {
    if (ImGui::IsItemHovered()) {
        ImGui::SetTooltip("%s", text);
    }
}

} // namespace

PresetOptions FaultsPanel::options() const {
    PresetOptions o;
    o.route = m_route;
    o.write_key = m_write_key;
    o.trigger = static_cast<PresetTrigger>(m_trigger);
    o.n = m_trigger == static_cast<int>(PresetTrigger::first_n) ? m_first_n : m_every_n;
    o.probability = m_probability;
    o.retry_after_s = m_retry_after_on ? std::optional<int>(m_retry_after_s) : std::nullopt;
    o.delay_min_ms = m_delay_min_ms;
    o.delay_max_ms = m_delay_max_ms;
    return o;
}

void FaultsPanel::install(FaultPlan plan, const std::string& what) {
    // Only over the plan this frame was drawn from: a PUT /_mock/faults that came in between
    // is not overwritten by a change made to the plan before it.
    if (!m_ctx.faults->set_if(std::move(plan), m_seen_version)) {
        m_reload = !m_edited;
        m_ctx.say("the fault plan was just replaced by another client (PUT /_mock/faults): "
                  "nothing changed here, look at the new plan and try again",
                  ImGui::GetTime(), 6.0);
        return;
    }
    m_ctx.say(what, ImGui::GetTime());
}

void FaultsPanel::draw_content() {
    if (!m_ctx.faults) {
        ImGui::Spacing();
        ImGui::TextColored(warning_colour(), "Fault injection needs a running server.");
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 45);
        ImGui::TextWrapped("This window shows %s read-only (--open): there is no gateway here to "
                           "make fail. Start ruddermock on a database (--db PATH) to add fault "
                           "rules from this tab, or with --faults FILE or --fail SPEC.",
                           m_ctx.db_path.c_str());
        ImGui::PopTextWrapPos();
        return;
    }
    m_seen_version = m_ctx.faults->version(); // before the snapshot: never newer than it
    const std::optional<FaultEngine::Snapshot> snap = m_ctx.faults->snapshot();
    const float avail = ImGui::GetContentRegionAvail().x;
    if (ImGui::BeginChild("plan", ImVec2(avail * 0.62f, 0))) {
        draw_presets(snap ? snap->plan : FaultPlan{});
        ImGui::Spacing();
        ImGui::Separator();
        ImGui::Spacing();
        draw_rules(snap);
    }
    ImGui::EndChild();
    ImGui::SameLine();
    if (ImGui::BeginChild("json", ImVec2(0, 0))) {
        draw_editor(snap);
    }
    ImGui::EndChild();
}

void FaultsPanel::draw_presets(const FaultPlan& plan) {
    const float ch = ImGui::CalcTextSize("0").x;
    const float label_width = ch * 9;
    ImGui::TextColored(accent_colour(), "Add a rule");
    ImGui::SameLine();
    ImGui::TextColored(muted_colour(), "(one click adds it after the rules below)");

    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Route");
    ImGui::SameLine(label_width);
    const char* preview = "Custom glob";
    for (const RouteChoice& c : k_routes) {
        if (m_route == c.route) {
            preview = c.label;
        }
    }
    ImGui::SetNextItemWidth(ch * 30);
    if (ImGui::BeginCombo("##route_choice", preview)) {
        for (const RouteChoice& c : k_routes) {
            if (ImGui::Selectable(c.label, m_route == c.route)) {
                m_route = c.route;
            }
        }
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ch * 18);
    ImGui::InputTextWithHint("##route", "every route", &m_route);
    tooltip("An exact path or a glob: '*' matches any run of characters, e.g. /v1/*");
    ImGui::SameLine(0, ch * 3);
    ImGui::TextUnformatted("Write key");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ch * 18);
    ImGui::InputTextWithHint("##key", "any key", &m_write_key);

    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Trigger");
    ImGui::SameLine(label_width);
    const char* const triggers[] = {"always", "first N", "every Nth", "probability"};
    for (int i = 0; i < 4; ++i) {
        ImGui::RadioButton(triggers[i], &m_trigger, i);
        ImGui::SameLine();
    }
    ImGui::SetNextItemWidth(ch * 14);
    switch (static_cast<PresetTrigger>(m_trigger)) {
    case PresetTrigger::always:
        ImGui::TextColored(muted_colour(), "every matching request");
        break;
    case PresetTrigger::first_n:
        ImGui::InputInt("N (then the real answers)", &m_first_n);
        break;
    case PresetTrigger::every_nth:
        ImGui::InputInt("N (the Nth, 2Nth, ...)", &m_every_n);
        break;
    case PresetTrigger::probability:
        ImGui::SliderFloat("p", &m_probability, 0.0f, 1.0f, "p = %.2f");
        break;
    }

    auto button = [&](FaultPreset preset, const char* label) {
        const bool clicked = ImGui::Button(label);
        if (ImGui::IsItemHovered()) {
            auto rule = make_preset_rule(preset, options(), plan);
            if (rule) {
                ImGui::SetTooltip(
                    "%s\nadds %s: %s | %s | %s", std::string(preset_description(preset)).c_str(),
                    rule->id.c_str(), describe_match(rule->match).c_str(),
                    describe_trigger(rule->trigger).c_str(), describe_effect(rule->effect).c_str());
            } else {
                ImGui::SetTooltip("%s", rule.error().message.c_str());
            }
        }
        if (!clicked) {
            return;
        }
        auto rule = make_preset_rule(preset, options(), plan);
        if (!rule) {
            m_preset_error = rule.error().message;
            return;
        }
        m_preset_error.clear();
        FaultPlan next = plan;
        const std::string id = rule->id;
        next.rules.push_back(std::move(*rule));
        install(std::move(next), "added fault rule " + id + " (counters restart)");
    };
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Fail with");
    ImGui::SameLine(label_width);
    button(FaultPreset::unauthorized, "401 invalid key");
    ImGui::SameLine();
    button(FaultPreset::disabled, "404 disabled");
    ImGui::SameLine();
    button(FaultPreset::too_large, "413 too large");
    ImGui::SameLine();
    button(FaultPreset::server_error, "500 error");
    ImGui::SameLine();
    button(FaultPreset::unavailable, "503 unavailable");
    ImGui::SameLine();
    button(FaultPreset::reset, "reset (TCP RST)");

    ImGui::SetCursorPosX(label_width);
    button(FaultPreset::rate_limited, "429 rate limited");
    ImGui::SameLine();
    ImGui::Checkbox("Retry-After", &m_retry_after_on);
    ImGui::SameLine();
    ImGui::BeginDisabled(!m_retry_after_on);
    ImGui::SetNextItemWidth(ch * 12);
    ImGui::InputInt("s##retry_after", &m_retry_after_s);
    ImGui::EndDisabled();
    ImGui::SameLine(0, ch * 4);
    button(FaultPreset::slow, "slow");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ch * 8);
    ImGui::InputInt("##delay_min", &m_delay_min_ms, 0, 0);
    ImGui::SameLine(0, ch / 2);
    ImGui::TextUnformatted("-");
    ImGui::SameLine(0, ch / 2);
    ImGui::SetNextItemWidth(ch * 8);
    ImGui::InputInt("ms##delay_max", &m_delay_max_ms, 0, 0);
    tooltip("each slowed request waits a time drawn from [min, max], then gets its real answer");

    if (!m_preset_error.empty()) {
        ImGui::TextColored(status_colour(500), "%s", m_preset_error.c_str());
    }
    ImGui::TextColored(muted_colour(),
                       "Each change installs a new plan: every rule's matched/fired counts "
                       "restart from 0.");
}

void FaultsPanel::draw_rules(const std::optional<FaultEngine::Snapshot>& snap) {
    const size_t count = snap ? snap->plan.rules.size() : 0;
    ImGui::AlignTextToFramePadding();
    if (count == 0) {
        ImGui::TextColored(accent_colour(), "Plan");
        ImGui::SameLine();
        ImGui::TextColored(muted_colour(), "no fault rules: the gateway answers normally");
        return;
    }
    ImGui::TextColored(accent_colour(), "Plan");
    ImGui::SameLine();
    ImGui::Text("%zu rule%s, seed %llu", count, count == 1 ? "" : "s",
                static_cast<unsigned long long>(snap->plan.seed));
    ImGui::SameLine();
    ImGui::TextColored(muted_colour(), "tried in order; the first that fires decides");
    const float clear_width =
        ImGui::CalcTextSize("Clear all").x + ImGui::GetStyle().FramePadding.x * 2;
    ImGui::SameLine(
        std::max(ImGui::GetCursorPosX(), ImGui::GetWindowContentRegionMax().x - clear_width));
    if (ImGui::Button("Clear all")) {
        install({}, "fault rules cleared");
        return;
    }

    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                  ImGuiTableFlags_BordersOuterH | ImGuiTableFlags_Resizable |
                                  ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable("rules", 8, flags)) {
        return;
    }
    const float ch = ImGui::CalcTextSize("0").x;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("#", 0, ch * 2);
    ImGui::TableSetupColumn("Id", ImGuiTableColumnFlags_WidthStretch, 0.9f);
    ImGui::TableSetupColumn("Match", ImGuiTableColumnFlags_WidthStretch, 1.2f);
    ImGui::TableSetupColumn("Trigger", ImGuiTableColumnFlags_WidthStretch, 0.9f);
    ImGui::TableSetupColumn("Effect", ImGuiTableColumnFlags_WidthStretch, 1.5f);
    ImGui::TableSetupColumn("Matched", 0, ch * 7);
    ImGui::TableSetupColumn("Fired", 0, ch * 6);
    ImGui::TableSetupColumn("", 0, ImGui::GetFrameHeight() * 2 + ch * 9);
    ImGui::TableHeadersRow();

    Action action = Action::none;
    size_t target = 0;
    for (size_t i = 0; i < count; ++i) {
        const FaultRule& r = snap->plan.rules[i];
        const FaultRuleCounts c = i < snap->counts.size() ? snap->counts[i] : FaultRuleCounts{};
        ImGui::TableNextRow();
        ImGui::PushID(static_cast<int>(i));
        ImGui::TableNextColumn();
        ImGui::AlignTextToFramePadding();
        ImGui::TextColored(muted_colour(), "%zu", i + 1);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.id.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(describe_match(r.match).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(describe_trigger(r.trigger).c_str());
        ImGui::TableNextColumn();
        ImGui::TextColored(effect_colour(r.effect), "%s", describe_effect(r.effect).c_str());
        if (r.effect.body && ImGui::IsItemHovered()) {
            ImGui::SetTooltip("body: %s", r.effect.body->c_str());
        }
        ImGui::TableNextColumn();
        ImGui::Text("%lld", static_cast<long long>(c.matched));
        ImGui::TableNextColumn();
        if (c.fired > 0) {
            ImGui::TextColored(warning_colour(), "%lld", static_cast<long long>(c.fired));
        } else {
            ImGui::TextColored(muted_colour(), "0");
        }
        ImGui::TableNextColumn();
        ImGui::BeginDisabled(i == 0);
        if (ImGui::ArrowButton("up", ImGuiDir_Up)) {
            action = Action::up;
            target = i;
        }
        ImGui::EndDisabled();
        tooltip("move up: tried earlier");
        ImGui::SameLine(0, 2);
        ImGui::BeginDisabled(i + 1 == count);
        if (ImGui::ArrowButton("down", ImGuiDir_Down)) {
            action = Action::down;
            target = i;
        }
        ImGui::EndDisabled();
        ImGui::SameLine();
        if (ImGui::Button("Remove")) {
            action = Action::remove;
            target = i;
        }
        ImGui::PopID();
    }
    ImGui::EndTable();

    if (action == Action::none) {
        return;
    }
    FaultPlan next = snap->plan;
    const std::string id = next.rules[target].id;
    if (action == Action::remove) {
        next.rules.erase(next.rules.begin() + static_cast<std::ptrdiff_t>(target));
        install(std::move(next), "removed fault rule " + id);
    } else if (move_fault_rule(next, target, action == Action::up ? -1 : 1)) {
        install(std::move(next),
                "moved fault rule " + id + (action == Action::up ? " up" : " down"));
    }
}

void FaultsPanel::draw_editor(const std::optional<FaultEngine::Snapshot>& snap) {
    const FaultPlan empty;
    const FaultPlan& plan = snap ? snap->plan : empty;
    const std::string current = fault_plan_json(plan);
    if (m_reload || (!m_edited && current != m_json_source)) {
        m_reload = false;
        m_edited = false;
        m_json = fault_plan_json_pretty(plan);
        m_json_source = current;
        m_apply_error.clear();
    }
    ImGui::AlignTextToFramePadding();
    ImGui::TextColored(accent_colour(), "Plan JSON");
    ImGui::SameLine();
    if (ImGui::Button("Apply")) {
        auto parsed = parse_fault_plan(m_json);
        if (!parsed) {
            m_apply_error = parsed.error().message;
        } else {
            const size_t n = parsed->rules.size();
            m_apply_error.clear();
            m_edited = false;
            m_reload = true; // shows generated ids, normalised values
            install(std::move(*parsed), n == 0
                                            ? "fault plan cleared"
                                            : "fault plan applied: " + counted(n, "rule", "rules") +
                                                  ", counters restart");
        }
    }
    tooltip("Replaces the whole plan, as PUT /_mock/faults does; a bad plan keeps the old one");
    ImGui::SameLine();
    ImGui::BeginDisabled(!m_edited);
    if (ImGui::Button("Revert")) {
        m_edited = false;
        m_reload = true;
    }
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::TextColored(muted_colour(), "Apply restarts every rule's counts");
    if (m_edited && current != m_json_source) {
        ImGui::TextColored(warning_colour(), "The plan changed since you began editing.");
        ImGui::SameLine();
        if (ImGui::SmallButton("Load the new plan")) {
            m_edited = false;
            m_reload = true;
        }
    }
    if (!m_apply_error.empty()) {
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextColored(status_colour(500), "%s", m_apply_error.c_str());
        ImGui::PopTextWrapPos();
        ImGui::TextColored(muted_colour(), "not applied: the old plan stays");
    }
    if (m_ctx.fonts.mono) {
        ImGui::PushFont(m_ctx.fonts.mono);
    }
    if (ImGui::InputTextMultiline("##plan_json", &m_json, ImVec2(-1, -1),
                                  ImGuiInputTextFlags_AllowTabInput)) {
        m_edited = true;
    }
    if (m_ctx.fonts.mono) {
        ImGui::PopFont();
    }
}

} // namespace rm::ui
