#include "events_table.hpp"

#include "../theme.hpp"
#include "util/clock.hpp"

#include <ctime>

namespace rm::ui {

namespace {
enum Column { c_time, c_type, c_event, c_user, c_anon, c_key, c_status, c_badges, c_count };

// HH:MM:SS.mmm in UTC, as the journal's times are.
void format_time(int64_t ms, char* out, size_t size) {
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::snprintf(out, size, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms % 1000));
}

void badge(const char* text, ImVec4 colour, const char* tip) {
    ImGui::SameLine(0, 4);
    ImGui::TextColored(colour, "%s", text);
    if (ImGui::IsItemHovered()) {
        ImGui::SetTooltip("%s", tip);
    }
}
} // namespace

void EventsTable::move_selection(int delta) {
    EventFeed& feed = m_ctx.feed;
    if (feed.size() == 0) {
        return;
    }
    auto current = feed.index_of(feed.selected());
    long next = current ? static_cast<long>(*current) + delta
                        : (delta > 0 ? 0 : static_cast<long>(feed.size()) - 1);
    next = std::clamp(next, 0L, static_cast<long>(feed.size()) - 1);
    feed.select(feed.id_at(static_cast<size_t>(next)));
    m_scroll_to_selection = true;
    m_follow = static_cast<size_t>(next) + 1 == feed.size();
}

void EventsTable::select_last() {
    if (m_ctx.feed.size() > 0) {
        m_ctx.feed.select(m_ctx.feed.id_at(m_ctx.feed.size() - 1));
        m_follow = true;
    }
}

void EventsTable::apply_sort() {
    ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs();
    if (!specs || !specs->SpecsDirty || specs->SpecsCount == 0) {
        return;
    }
    const ImGuiTableColumnSortSpecs& s = specs->Specs[0];
    static const SortColumn k_map[] = {SortColumn::time,  SortColumn::type, SortColumn::event,
                                       SortColumn::user,  SortColumn::anon, SortColumn::key,
                                       SortColumn::status};
    SortColumn column = s.ColumnIndex < c_badges ? k_map[s.ColumnIndex] : SortColumn::time;
    m_ctx.feed.set_sort(column, s.SortDirection == ImGuiSortDirection_Descending);
    specs->SpecsDirty = false;
}

void EventsTable::draw_content() {
    EventFeed& feed = m_ctx.feed;
    const ImGuiTableFlags flags = ImGuiTableFlags_Resizable | ImGuiTableFlags_Reorderable |
                                  ImGuiTableFlags_Hideable | ImGuiTableFlags_Sortable |
                                  ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg |
                                  ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable("events", c_count, flags)) {
        return;
    }
    ImGui::TableSetupScrollFreeze(0, 1);
    const float ch = ImGui::CalcTextSize("0").x;
    ImGui::TableSetupColumn("Time", ImGuiTableColumnFlags_DefaultSort, ch * 13);
    ImGui::TableSetupColumn("Type", 0, ch * 9);
    ImGui::TableSetupColumn("Event / name", ImGuiTableColumnFlags_WidthStretch, 2.0f);
    ImGui::TableSetupColumn("userId", ImGuiTableColumnFlags_WidthStretch, 1.2f);
    ImGui::TableSetupColumn("anonymousId", ImGuiTableColumnFlags_WidthStretch, 1.2f);
    ImGui::TableSetupColumn("Write key", 0, ch * 12);
    ImGui::TableSetupColumn("Status", 0, ch * 7);
    ImGui::TableSetupColumn("", ImGuiTableColumnFlags_NoSort, ch * 10);
    ImGui::TableHeadersRow();
    apply_sort();

    // Following the newest while scrolled to the bottom, as a log window does.
    const bool grew = feed.size() != m_last_size;
    m_last_size = feed.size();
    const int64_t selected = feed.selected();
    std::optional<size_t> selected_index;
    if (m_scroll_to_selection) {
        selected_index = feed.index_of(selected);
    }
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(feed.size()));
    if (selected_index) {
        clipper.ForceDisplayRangeByIndices(static_cast<int>(*selected_index),
                                           static_cast<int>(*selected_index) + 1);
    }
    while (clipper.Step()) {
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            const EventRow* r = feed.row(static_cast<size_t>(i));
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(c_time);
            if (!r) {
                ImGui::TextColored(muted_colour(), "\xe2\x80\xa6"); // loading
                continue;
            }
            char time_text[32];
            format_time(r->received_ms, time_text, sizeof time_text);
            ImGui::PushID(static_cast<int>(r->id));
            const bool is_selected = r->id == selected;
            if (ImGui::Selectable(time_text, is_selected,
                                  ImGuiSelectableFlags_SpanAllColumns |
                                      ImGuiSelectableFlags_AllowItemOverlap)) {
                feed.select(r->id);
                m_follow = static_cast<size_t>(i) + 1 == feed.size();
            }
            if (is_selected && m_scroll_to_selection) {
                ImGui::SetScrollHereY(0.5f);
                m_scroll_to_selection = false;
            }
            if (ImGui::BeginPopupContextItem("row")) {
                if (ImGui::MenuItem("Pin as diff left")) {
                    m_ctx.diff_left = r->id;
                }
                if (ImGui::MenuItem("Diff with pinned", nullptr, false, m_ctx.diff_left != 0)) {
                    m_ctx.diff_right = r->id;
                    m_ctx.open_tab = "Diff";
                }
                if (ImGui::MenuItem("Filter by this user", nullptr, false, !r->user_id.empty())) {
                    m_ctx.pending_filter = "user:\"" + r->user_id + "\"";
                }
                ImGui::EndPopup();
            }
            ImGui::TableSetColumnIndex(c_type);
            ImGui::TextColored(type_colour(r->type), "%s", r->type.c_str());
            ImGui::TableSetColumnIndex(c_event);
            ImGui::TextUnformatted(r->event.c_str());
            ImGui::TableSetColumnIndex(c_user);
            ImGui::TextUnformatted(r->user_id.c_str());
            ImGui::TableSetColumnIndex(c_anon);
            ImGui::TextColored(muted_colour(), "%s", r->anonymous_id.c_str());
            ImGui::TableSetColumnIndex(c_key);
            ImGui::TextUnformatted(r->write_key.c_str());
            ImGui::TableSetColumnIndex(c_status);
            ImGui::TextColored(status_colour(r->status), "%d", r->status);
            ImGui::TableSetColumnIndex(c_badges);
            ImGui::Dummy(ImVec2(0, 0));
            if (r->lint_count > 0) {
                badge("lint", warning_colour(), "lint warnings: see the detail pane");
            }
            if (r->duplicate) {
                badge("dup", accent_colour(), "a repeated messageId (an SDK retry?)");
            }
            if (!r->fault_rule.empty()) {
                badge("fault", status_colour(500), "its request met a fault rule");
            }
            ImGui::PopID();
        }
    }
    if (m_follow && grew && !m_scroll_to_selection) {
        ImGui::SetScrollHereY(1.0f);
    }
    // The user scrolled: follow again only once back at the bottom.
    const float scroll = ImGui::GetScrollY();
    const float max = ImGui::GetScrollMaxY();
    if (ImGui::IsWindowHovered() && ImGui::GetIO().MouseWheel != 0) {
        m_follow = scroll >= max - 1.0f;
    }
    ImGui::EndTable();
    if (feed.size() == 0 && !feed.searching()) {
        ImGui::TextColored(muted_colour(), feed.filter_text().empty()
                                               ? "No events yet: point an SDK at this server."
                                               : "No event matches the filter.");
    }
}

} // namespace rm::ui
