#include "inspector.hpp"

#include "panels/detail_pane.hpp"
#include "panels/diff_view.hpp"
#include "panels/events_table.hpp"
#include "panels/export_dialog.hpp"
#include "panels/faults_panel.hpp"
#include "panels/filter_bar.hpp"
#include "panels/requests_view.hpp"
#include "panels/stats_panel.hpp"
#include "panels/status_bar.hpp"
#include "theme.hpp"
#include "util/plural.hpp"

namespace rm::ui {

Inspector::Inspector(InspectorContext ctx) : m_ctx(std::move(ctx)) {
    m_export = std::make_unique<ExportDialog>(m_ctx);
    m_ctx.exporter = m_export.get();
    m_status = std::make_unique<StatusBar>(m_ctx);
    m_filter = std::make_unique<FilterBar>(m_ctx);
    m_table = std::make_unique<EventsTable>(m_ctx);
    m_detail = std::make_unique<DetailPane>(m_ctx);
    auto requests = std::make_unique<RequestsView>(m_ctx);
    m_requests = requests.get();
    m_tabs.push_back({"Requests", std::move(requests)});
    m_tabs.push_back({"Faults", std::make_unique<FaultsPanel>(m_ctx)});
    m_tabs.push_back({"Stats", std::make_unique<StatsPanel>(m_ctx, *m_status)});
    auto diff = std::make_unique<DiffView>(m_ctx);
    m_diff = diff.get();
    m_tabs.push_back({"Diff", std::move(diff)});
}

Inspector::~Inspector() = default;

bool Inspector::wants_frame() const {
    const double now = ImGui::GetTime();
    return m_ctx.feed.version() != m_drawn_version ||
           (m_message_shown_until > 0 && now >= m_message_shown_until) ||
           !m_ctx.pending_filter.empty() || m_requests->version() != m_requests_drawn;
}

std::string Inspector::window_title() const {
    const size_t n = m_ctx.feed.size();
    std::string where = m_ctx.read_only ? m_ctx.db_path + " (read-only)" : m_ctx.url;
    return "ruddermock \xe2\x80\x94 " + where + " \xe2\x80\x94 " + counted(n, "event", "events");
}

void Inspector::shortcuts() {
    ImGuiIO& io = ImGui::GetIO();
    if (io.WantTextInput) {
        return; // typing in the filter or an editor: keys are text
    }
    auto pressed = [](ImGuiKey key) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(key)); };
    if (ImGui::IsKeyPressed('/', false)) {
        m_ctx.focus_filter = true;
    }
    if (pressed(ImGuiKey_Space)) {
        m_ctx.feed.set_paused(!m_ctx.feed.paused());
    }
    if (pressed(ImGuiKey_Escape) && !ImGui::IsPopupOpen(nullptr, ImGuiPopupFlags_AnyPopupId)) {
        m_filter->clear();
    }
    if (io.KeyCtrl && ImGui::IsKeyPressed('Q', false)) {
        m_ctx.quit_requested = true;
    }
    if (m_active_tab != "Events") {
        return; // the other tabs move their own selection (the requests view) or have none
    }
    if (pressed(ImGuiKey_DownArrow)) {
        m_table->move_selection(1);
    }
    if (pressed(ImGuiKey_UpArrow)) {
        m_table->move_selection(-1);
    }
    if (pressed(ImGuiKey_PageDown)) {
        m_table->move_selection(20);
    }
    if (pressed(ImGuiKey_PageUp)) {
        m_table->move_selection(-20);
    }
    if (pressed(ImGuiKey_End)) {
        m_table->select_last();
    }
    if (io.KeyCtrl && pressed(ImGuiKey_C)) {
        std::string text = m_detail->event_text();
        if (!text.empty()) {
            ImGui::SetClipboardText(text.c_str());
            m_ctx.say("event copied to the clipboard", ImGui::GetTime());
        }
    }
}

void Inspector::draw_events_tab() {
    const float avail = ImGui::GetContentRegionAvail().x;
    float left = avail * m_ctx.settings.detail_split;
    m_table->draw("table", ImVec2(left, 0));
    ImGui::SameLine(0, 0);
    // A splitter between the table and the detail pane.
    ImGui::InvisibleButton("split", ImVec2(6, ImGui::GetContentRegionAvail().y));
    if (ImGui::IsItemActive()) {
        left += ImGui::GetIO().MouseDelta.x;
        m_ctx.settings.detail_split = std::clamp(left / avail, 0.2f, 0.85f);
    }
    if (ImGui::IsItemHovered() || ImGui::IsItemActive()) {
        ImGui::SetMouseCursor(ImGuiMouseCursor_ResizeEW);
    }
    ImGui::GetWindowDrawList()->AddLine(
        ImVec2(ImGui::GetItemRectMin().x + 3, ImGui::GetItemRectMin().y),
        ImVec2(ImGui::GetItemRectMin().x + 3, ImGui::GetItemRectMax().y),
        ImGui::GetColorU32(ImGuiCol_Separator));
    ImGui::SameLine(0, 0);
    m_detail->draw("detail", ImVec2(0, 0));
}

void Inspector::frame() {
    m_ctx.feed.tick();
    if (!m_ctx.pending_filter.empty()) {
        m_filter->set_text(m_ctx.pending_filter);
        m_ctx.pending_filter.clear();
    }
    m_status->sample(ImGui::GetTime());
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(vp->WorkPos);
    ImGui::SetNextWindowSize(vp->WorkSize);
    const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                   ImGuiWindowFlags_NoSavedSettings |
                                   ImGuiWindowFlags_NoBringToFrontOnFocus;
    ImGui::Begin("ruddermock", nullptr, flags);
    shortcuts();
    const float line = ImGui::GetFrameHeightWithSpacing();
    m_status->draw("status", ImVec2(0, line), false, ImGuiWindowFlags_NoScrollbar);
    ImGui::Separator();
    m_filter->draw("filter", ImVec2(0, line * 2), false, ImGuiWindowFlags_NoScrollbar);
    if (ImGui::BeginTabBar("main")) {
        // The tab drawn this frame; the shortcuts of the next frame follow it.
        auto flags_of = [&](const char* title) { return take_tab_request(m_ctx.open_tab, title); };
        if (ImGui::BeginTabItem("Events", nullptr, flags_of("Events"))) {
            m_active_tab = "Events";
            draw_events_tab();
            ImGui::EndTabItem();
        }
        for (auto& tab : m_tabs) {
            if (ImGui::BeginTabItem(tab.title, nullptr, flags_of(tab.title))) {
                m_active_tab = tab.title;
                tab.view->draw(tab.title);
                ImGui::EndTabItem();
            }
        }
        ImGui::EndTabBar();
    }
    // The message line, over the bottom edge.
    const double now = ImGui::GetTime();
    if (!m_ctx.message.empty() && now < m_ctx.message_until) {
        ImGui::SetCursorPos(
            ImVec2(ImGui::GetStyle().WindowPadding.x, ImGui::GetWindowHeight() - line));
        ImGui::TextColored(accent_colour(), "%s", m_ctx.message.c_str());
        m_message_shown_until = m_ctx.message_until;
    } else {
        m_message_shown_until = 0;
    }
    m_export->draw();
    ImGui::End();
    m_drawn_version = m_ctx.feed.version();
    m_requests_drawn = m_requests->version();
}

} // namespace rm::ui
