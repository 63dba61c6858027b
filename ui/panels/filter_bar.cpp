#include "filter_bar.hpp"

#include "../theme.hpp"
#include "query/filter.hpp"
#include "util/plural.hpp"

#include <imgui_stdlib.h>

namespace rm::ui {

namespace {
// Typing applies the filter after this pause (a search per keystroke would be wasted work).
constexpr double k_apply_after_s = 0.25;

// "filter: position 12: ..." -> 12
size_t position_of(const std::string& message) {
    const std::string tag = "position ";
    size_t at = message.find(tag);
    if (at == std::string::npos) {
        return 0;
    }
    return static_cast<size_t>(std::strtoul(message.c_str() + at + tag.size(), nullptr, 10));
}

// Replaces the type: term of a filter (or removes it when type is empty).
std::string with_type(const std::string& text, const std::string& type) {
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
        size_t start = i;
        bool quoted = false;
        while (i < text.size() && (quoted || text[i] != ' ')) {
            if (text[i] == '"') {
                quoted = !quoted;
            }
            ++i;
        }
        std::string term = text.substr(start, i - start);
        if (!term.empty() && term.rfind("type:", 0) != 0) {
            out += (out.empty() ? "" : " ") + term;
        }
        while (i < text.size() && text[i] == ' ') {
            ++i;
        }
    }
    if (!type.empty()) {
        out = "type:" + type + (out.empty() ? "" : " " + out);
    }
    return out;
}
} // namespace

FilterBar::FilterBar(InspectorContext& ctx) : View(ctx) {
    m_text = ctx.settings.last_filter;
    check();
    if (m_error.empty() && !m_text.empty()) {
        apply();
    }
}

void FilterBar::check() {
    auto parsed = query::parse(m_text);
    m_error = parsed ? std::string() : parsed.error().message;
    m_error_position = parsed ? 0 : position_of(m_error);
}

void FilterBar::apply() {
    check();
    m_edited_at = -1;
    if (!m_error.empty() || m_text == m_applied) {
        return;
    }
    auto st = m_ctx.feed.set_filter(m_text);
    if (!st) {
        m_error = st.error().message;
        m_error_position = position_of(m_error);
        return;
    }
    m_applied = m_text;
    m_ctx.settings.remember_filter(m_text);
}

void FilterBar::set_text(const std::string& text) {
    m_text = text;
    m_history_pos = -1;
    apply();
}

int FilterBar::on_input(ImGuiInputTextCallbackData* data) {
    auto* self = static_cast<FilterBar*>(data->UserData);
    if (data->EventFlag != ImGuiInputTextFlags_CallbackHistory) {
        return 0;
    }
    const auto& history = self->m_ctx.settings.filter_history;
    if (history.empty()) {
        return 0;
    }
    int pos = self->m_history_pos;
    if (data->EventKey == ImGuiKey_UpArrow) {
        pos = pos < 0 ? static_cast<int>(history.size()) - 1 : std::max(0, pos - 1);
    } else if (data->EventKey == ImGuiKey_DownArrow) {
        pos = pos < 0 ? -1 : pos + 1;
        if (pos >= static_cast<int>(history.size())) {
            pos = -1;
        }
    }
    self->m_history_pos = pos;
    data->DeleteChars(0, data->BufTextLen);
    if (pos >= 0) {
        data->InsertChars(0, history[static_cast<size_t>(pos)].c_str());
    }
    return 0;
}

void FilterBar::draw_content() {
    ImGui::AlignTextToFramePadding();
    ImGui::TextColored(muted_colour(), "Filter");
    ImGui::SameLine();
    if (m_ctx.focus_filter) {
        ImGui::SetKeyboardFocusHere();
        m_ctx.focus_filter = false;
    }
    const float selector = ImGui::CalcTextSize("identify").x * 7.2f;
    ImGui::SetNextItemWidth(std::max(200.0f, ImGui::GetContentRegionAvail().x - selector));
    ImGui::PushFont(m_ctx.fonts.mono);
    const float text_x = ImGui::GetCursorScreenPos().x + ImGui::GetStyle().FramePadding.x;
    const bool changed = ImGui::InputTextWithHint(
        "##filter", "type:track user:u1 status:4xx has:lint properties.total>100 \"free text\"",
        &m_text, ImGuiInputTextFlags_CallbackHistory | ImGuiInputTextFlags_EnterReturnsTrue,
        &FilterBar::on_input, this);
    const bool active = ImGui::IsItemActive();
    ImGui::PopFont();
    if (changed) { // Enter
        apply();
    }
    if (active && ImGui::IsItemEdited()) {
        m_edited_at = ImGui::GetTime();
        check();
    }
    if (active && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
        set_text("");
    }
    if (m_edited_at >= 0 && ImGui::GetTime() - m_edited_at > k_apply_after_s) {
        apply();
    }
    ImGui::SameLine();
    draw_type_selector();
    if (!m_error.empty()) {
        // A caret under the offending character, then the message.
        ImGui::PushFont(m_ctx.fonts.mono);
        float x = text_x;
        if (m_error_position > 0) {
            size_t n = std::min(m_error_position - 1, m_text.size());
            x += ImGui::CalcTextSize(m_text.c_str(), m_text.c_str() + n).x;
        }
        ImGui::SetCursorScreenPos(
            ImVec2(x - ImGui::CalcTextSize("^").x * 0.5f, ImGui::GetCursorScreenPos().y));
        ImGui::TextColored(status_colour(500), "^");
        ImGui::PopFont();
        ImGui::SameLine();
        ImGui::TextColored(status_colour(500), "%s", m_error.c_str());
    } else if (m_ctx.feed.searching()) {
        ImGui::ProgressBar(static_cast<float>(m_ctx.feed.progress()), ImVec2(160, 0), "searching");
        ImGui::SameLine();
        ImGui::TextColored(muted_colour(), "%zu found so far", m_ctx.feed.size());
    } else {
        ImGui::TextColored(muted_colour(), "%s",
                           counted(m_ctx.feed.size(), "event matches", "events match").c_str());
    }
}

void FilterBar::draw_type_selector() {
    static const char* const k_types[] = {"all",    "track", "identify", "page",
                                          "screen", "group", "alias"};
    std::string current = "all";
    for (const char* t : k_types) {
        if (m_text.find(std::string("type:") + t) != std::string::npos) {
            current = t;
        }
    }
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x);
    if (ImGui::BeginCombo("##type", current == "all" ? "all types" : current.c_str())) {
        for (const char* t : k_types) {
            const bool selected = current == t;
            ImGui::PushStyleColor(ImGuiCol_Text, std::string(t) == "all"
                                                     ? ImGui::GetStyleColorVec4(ImGuiCol_Text)
                                                     : type_colour(t));
            if (ImGui::Selectable(t, selected)) {
                set_text(with_type(m_text, std::string(t) == "all" ? "" : t));
            }
            ImGui::PopStyleColor();
        }
        ImGui::EndCombo();
    }
}

} // namespace rm::ui
