#include "status_bar.hpp"

#include "../theme.hpp"
#include "export_dialog.hpp"
#include "faults/fault_engine.hpp"
#include "storage/store.hpp"
#include "util/plural.hpp"

#include <cstdio>
#include <string>

namespace rm::ui {

namespace {
std::string thousands(int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out.push_back(',');
        }
        out.push_back(digits[i]);
    }
    return n < 0 ? "-" + out : out;
}
} // namespace

StatusBar::~StatusBar() {
    if (m_clearing.joinable()) {
        m_clearing.join();
    }
}

void StatusBar::sample(double now) {
    const FeedTotals& t = m_ctx.feed.totals();
    if (t.at_ms == m_last_at_ms) {
        return;
    }
    if (m_last_events >= 0 && t.at_ms > m_last_at_ms) {
        double seconds = static_cast<double>(t.at_ms - m_last_at_ms) / 1000.0;
        m_rate = std::max(0.0, static_cast<double>(t.events - m_last_events) / seconds);
        m_history.emplace_back(now, m_rate);
        while (m_history.size() > 600) {
            m_history.pop_front();
        }
    }
    m_last_events = t.events;
    m_last_at_ms = t.at_ms;
}

void StatusBar::draw_content() {
    const FeedTotals& t = m_ctx.feed.totals();
    if (m_ctx.read_only) {
        ImGui::TextColored(muted_colour(), "READ-ONLY");
        ImGui::SameLine();
        ImGui::TextUnformatted(m_ctx.db_path.c_str());
    } else {
        ImGui::TextColored(status_colour(200), "\xe2\x97\x8f"); // a dot: listening
        ImGui::SameLine();
        ImGui::TextUnformatted(m_ctx.url.c_str());
        if (ImGui::IsItemHovered()) {
            ImGui::SetTooltip("Point your SDK's data plane URL here");
        }
        ImGui::SameLine();
        ImGui::TextColored(muted_colour(), "profile %s", m_ctx.profile.c_str());
        ImGui::SameLine();
        ImGui::TextColored(muted_colour(), "db %s", m_ctx.db_path.c_str());
    }
    ImGui::SameLine(0, 24);
    ImGui::Text("%s events", thousands(t.events).c_str());
    ImGui::SameLine();
    ImGui::TextColored(muted_colour(), "%s requests", thousands(t.requests).c_str());
    if (!m_ctx.read_only) {
        ImGui::SameLine();
        char rate[32];
        std::snprintf(rate, sizeof rate, "%.0f ev/s", m_rate);
        ImGui::TextUnformatted(rate);
    }
    if (m_ctx.faults) {
        ImGui::SameLine(0, 24);
        auto snap = m_ctx.faults->snapshot();
        if (snap && !snap->plan.rules.empty()) {
            int64_t fired = 0;
            for (const auto& c : snap->counts) {
                fired += c.fired;
            }
            ImGui::PushStyleColor(ImGuiCol_Button, warning_colour());
            ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.1f, 0.08f, 0.0f, 1.0f));
            std::string label = std::to_string(snap->plan.rules.size()) + " fault rule" +
                                (snap->plan.rules.size() == 1 ? "" : "s") + " on, " +
                                thousands(fired) + " fired";
            ImGui::SmallButton(label.c_str());
            ImGui::PopStyleColor(2);
            if (ImGui::IsItemHovered()) {
                ImGui::SetTooltip("See the Faults tab");
            }
        } else {
            ImGui::TextColored(muted_colour(), "no faults");
        }
    }
    // Right side: pause and clear.
    const float right = ImGui::GetWindowContentRegionMax().x;
    const float width =
        ImGui::CalcTextSize("Light").x + ImGui::CalcTextSize("Export\xe2\x80\xa6").x +
        ImGui::CalcTextSize("Resume (Space)").x + ImGui::CalcTextSize("Clear\xe2\x80\xa6").x +
        ImGui::GetStyle().FramePadding.x * 8 + ImGui::GetStyle().ItemSpacing.x * 3;
    ImGui::SameLine(std::max(ImGui::GetCursorPosX(), right - width));
    // The theme switch: remembered in settings.json with the rest.
    if (ImGui::Button(m_ctx.settings.light_theme ? "Dark" : "Light")) {
        m_ctx.settings.light_theme = !m_ctx.settings.light_theme;
        apply_theme(m_ctx.settings.light_theme ? Theme::light : Theme::dark, m_ctx.scale);
    }
    ImGui::SameLine();
    if (ImGui::Button("Export\xe2\x80\xa6") && m_ctx.exporter) {
        m_ctx.exporter->open_for_view();
    }
    ImGui::SameLine();
    const bool paused = m_ctx.feed.paused();
    if (paused) {
        ImGui::PushStyleColor(ImGuiCol_Button, warning_colour());
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.1f, 0.08f, 0.0f, 1.0f));
    }
    if (ImGui::Button(paused ? "Resume (Space)" : "Pause (Space)")) {
        m_ctx.feed.set_paused(!paused);
    }
    if (paused) {
        ImGui::PopStyleColor(2);
    }
    if (!m_ctx.read_only) {
        ImGui::SameLine();
        if (ImGui::Button("Clear\xe2\x80\xa6")) {
            m_confirm_clear = true;
        }
    }
    draw_clear_popup();
}

void StatusBar::draw_clear_popup() {
    if (m_confirm_clear) {
        ImGui::OpenPopup("Clear everything?");
        m_confirm_clear = false;
    }
    if (ImGui::BeginPopupModal("Clear everything?", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
        const auto& totals = m_ctx.feed.totals();
        ImGui::Text("Delete all %s and %s from %s?",
                    counted(static_cast<size_t>(totals.events), "event", "events").c_str(),
                    counted(static_cast<size_t>(totals.requests), "request", "requests").c_str(),
                    m_ctx.db_path.c_str());
        ImGui::TextColored(muted_colour(), "Capture goes on; this cannot be undone.");
        if (ImGui::Button("Delete everything") && m_ctx.store) {
            if (m_clearing.joinable()) {
                m_clearing.join();
            }
            // The reset waits for the writer: off the UI thread.
            Store* store = m_ctx.store;
            MainThreadQueue& tasks = m_ctx.tasks;
            InspectorContext* ctx = &m_ctx;
            m_clearing = std::thread([store, &tasks, ctx] {
                auto removed = store->reset(std::nullopt);
                std::string text =
                    removed ? "cleared " + counted(static_cast<size_t>(*removed), "event", "events")
                            : "clear failed: " + removed.error().message;
                tasks.post([ctx, text] { ctx->say(text, ImGui::GetTime()); });
            });
            ImGui::CloseCurrentPopup();
        }
        ImGui::SameLine();
        if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
            ImGui::CloseCurrentPopup();
        }
        ImGui::EndPopup();
    }
}

} // namespace rm::ui
