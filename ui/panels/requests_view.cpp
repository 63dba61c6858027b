#include "requests_view.hpp"

#include "../theme.hpp"
#include "requests_view_internal.hpp"
#include "storage/store.hpp"

#include <imgui_stdlib.h>

#include <algorithm>
#include <charconv>
#include <ctime>

namespace rm::ui {

namespace requests {
std::string status_text(int status) {
    return status == 0 ? std::string("none") : std::to_string(status);
}
} // namespace requests

namespace {
enum Column {
    c_time,
    c_method,
    c_path,
    c_status,
    c_reason,
    c_key,
    c_events,
    c_ms,
    c_fault,
    c_count
};

using requests::status_text;

// HH:MM:SS.mmm in UTC, as the journal's times are.
void format_time(int64_t ms, char* out, size_t size) {
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::snprintf(out, size, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms % 1000));
}

// A button that stays highlighted while its option is the current one.
bool toggle(const char* label, bool active) {
    if (active) {
        ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_Header));
        ImGui::PushStyleColor(ImGuiCol_ButtonHovered,
                              ImGui::GetStyleColorVec4(ImGuiCol_HeaderHovered));
    }
    const bool pressed = ImGui::Button(label);
    if (active) {
        ImGui::PopStyleColor(2);
    }
    return pressed;
}

void tooltip_wrapped(const std::string& text) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40.0f);
    ImGui::TextUnformatted(text.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
}
} // namespace

RequestsView::RequestsView(InspectorContext& ctx) : View(ctx) {}
RequestsView::~RequestsView() = default;

void RequestsView::open_feed() {
    m_tried_open = true;
    // ctx.db_path is for display (":memory:" stays that); the live store knows the file.
    const std::string path = m_ctx.store ? m_ctx.store->path() : m_ctx.db_path;
    auto feed = RequestFeed::open(path, m_ctx.store, m_ctx.tasks);
    if (!feed) {
        m_open_error = "cannot read the journal in " + path + ": " + feed.error().message;
        return;
    }
    m_feed = std::move(*feed);
}

void RequestsView::move_selection(int delta) {
    if (!m_feed || m_feed->size() == 0) {
        return;
    }
    auto current = m_feed->index_of(m_feed->selected());
    const long last = static_cast<long>(m_feed->size()) - 1;
    long next = current ? static_cast<long>(*current) + delta : (delta > 0 ? 0 : last);
    next = std::clamp(next, 0L, last);
    m_feed->select(m_feed->id_at(static_cast<size_t>(next)));
    m_scroll_to_selection = true;
    m_follow = next == last;
}

void RequestsView::keys() {
    if (ImGui::GetIO().WantTextInput || !ImGui::IsWindowFocused(ImGuiFocusedFlags_ChildWindows)) {
        return;
    }
    static const std::pair<ImGuiKey, int> k_moves[] = {{ImGuiKey_DownArrow, 1},
                                                       {ImGuiKey_UpArrow, -1},
                                                       {ImGuiKey_PageDown, 20},
                                                       {ImGuiKey_PageUp, -20},
                                                       {ImGuiKey_End, 1 << 30}};
    for (const auto& [key, delta] : k_moves) {
        if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(key))) {
            move_selection(delta);
        }
    }
}

void RequestsView::draw_content() {
    if (!m_tried_open) {
        open_feed();
    }
    if (!m_feed) {
        ImGui::TextColored(status_colour(500), "%s", m_open_error.c_str());
        return;
    }
    if (m_ctx.open_request != 0) { // an attempt clicked in the events' Delivery tab
        m_feed->select(m_ctx.open_request);
        m_scroll_to_selection = true;
        m_ctx.open_request = 0;
    }
    keys();
    draw_filters();
    const float avail = ImGui::GetContentRegionAvail().y;
    float top = std::max(avail * m_split, ImGui::GetFrameHeightWithSpacing() * 3);
    draw_table(ImVec2(0, top));
    // A splitter between the table and the detail.
    ImGui::InvisibleButton("split", ImVec2(ImGui::GetContentRegionAvail().x, 6));
    if (ImGui::IsItemActive()) {
        top += ImGui::GetIO().MouseDelta.y;
        m_split = std::clamp(top / avail, 0.15f, 0.85f);
    }
    if (ImGui::IsItemHovered() || ImGui::IsItemActive()) {
        ImGui::SetMouseCursor(ImGuiMouseCursor_ResizeNS);
    }
    const ImVec2 a = ImGui::GetItemRectMin();
    const ImVec2 b = ImGui::GetItemRectMax();
    ImGui::GetWindowDrawList()->AddLine(ImVec2(a.x, a.y + 3), ImVec2(b.x, a.y + 3),
                                        ImGui::GetColorU32(ImGuiCol_Separator));
    if (ImGui::BeginChild("request", ImVec2(0, 0))) {
        draw_detail();
    }
    ImGui::EndChild();
    m_feed->tick(); // the rows this frame asked for go out now, even if no frame follows
}

void RequestsView::draw_filters() {
    RequestQuery q = m_query;
    struct Option {
        const char* label;
        StatusClass status;
        const char* tip;
    };
    static const Option k_options[] = {
        {"All", StatusClass::all, "every request to a gateway route"},
        {"2xx", StatusClass::success, "accepted"},
        {"4xx", StatusClass::client_error, "refused: key, JSON, size, rate limit, route"},
        {"5xx", StatusClass::server_error, "server errors (injected or real)"},
        {"Faults", StatusClass::faults, "a fault rule fired (delays included)"},
        {"No answer", StatusClass::connection,
         "connection faults: reset, close, hang, truncate (journaled as status 0)"},
    };
    for (const auto& o : k_options) {
        if (toggle(o.label, q.status == o.status)) {
            q.status = o.status;
            m_code_text.clear();
        }
        if (ImGui::IsItemHovered()) {
            ImGui::SetTooltip("%s", o.tip);
        }
        ImGui::SameLine();
    }
    const float ch = ImGui::CalcTextSize("0").x;
    ImGui::SetNextItemWidth(ch * 6 + ImGui::GetStyle().FramePadding.x * 2);
    if (ImGui::InputTextWithHint("##code", "code", &m_code_text,
                                 ImGuiInputTextFlags_CharsDecimal)) {
        int code = 0;
        auto [end, ec] =
            std::from_chars(m_code_text.data(), m_code_text.data() + m_code_text.size(), code);
        if (!m_code_text.empty() && ec == std::errc() && code >= 0 && code < 1000) {
            q.status = StatusClass::code;
            q.code = code;
        } else if (q.status == StatusClass::code) {
            q.status = StatusClass::all;
        }
    }
    if (ImGui::IsItemHovered()) {
        ImGui::SetTooltip("one status code, e.g. 401 (0: no answer)");
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ch * 18);
    ImGui::InputTextWithHint("##key", "write key (exact)", &q.write_key);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ch * 18);
    ImGui::InputTextWithHint("##path", "path contains", &q.path);
    ImGui::SameLine();
    if (m_feed->searching()) {
        ImGui::TextColored(muted_colour(), "searching\xe2\x80\xa6 %d%%",
                           static_cast<int>(m_feed->progress() * 100));
    } else {
        ImGui::TextColored(muted_colour(), "%zu request%s", m_feed->size(),
                           m_feed->size() == 1 ? "" : "s");
    }
    if (!m_feed->error().empty()) {
        ImGui::SameLine();
        ImGui::TextColored(status_colour(500), "%s", m_feed->error().c_str());
    }
    if (!(q == m_query)) {
        m_query = q;
        m_feed->set_query(q);
        m_follow = true;
    }
}

void RequestsView::draw_table(ImVec2 size) {
    RequestFeed& feed = *m_feed;
    const ImGuiTableFlags flags = ImGuiTableFlags_Resizable | ImGuiTableFlags_Reorderable |
                                  ImGuiTableFlags_Hideable | ImGuiTableFlags_ScrollY |
                                  ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                  ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable("requests", c_count, flags, size)) {
        return;
    }
    ImGui::TableSetupScrollFreeze(0, 1);
    const float ch = ImGui::CalcTextSize("0").x;
    ImGui::TableSetupColumn("Time", 0, ch * 13);
    ImGui::TableSetupColumn("Method", 0, ch * 6);
    ImGui::TableSetupColumn("Path", ImGuiTableColumnFlags_WidthStretch, 0.6f);
    ImGui::TableSetupColumn("Status", 0, ch * 6);
    ImGui::TableSetupColumn("Reason", ImGuiTableColumnFlags_WidthStretch, 3.0f);
    ImGui::TableSetupColumn("Write key", 0, ch * 12);
    ImGui::TableSetupColumn("Events", 0, ch * 6);
    ImGui::TableSetupColumn("ms", 0, ch * 7);
    ImGui::TableSetupColumn("Fault", 0, ch * 10);
    ImGui::TableHeadersRow();

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
            const RequestRow* r = feed.row(static_cast<size_t>(i));
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
            ImGui::TableSetColumnIndex(c_method);
            ImGui::TextColored(muted_colour(), "%s", r->method.c_str());
            ImGui::TableSetColumnIndex(c_path);
            ImGui::TextUnformatted(r->path.c_str());
            if (!r->query.empty() && ImGui::IsItemHovered()) {
                ImGui::SetTooltip("%s?%s", r->path.c_str(), r->query.c_str());
            }
            ImGui::TableSetColumnIndex(c_status);
            ImGui::TextColored(status_colour(r->status), "%s", status_text(r->status).c_str());
            if (r->status == 0 && ImGui::IsItemHovered()) {
                ImGui::SetTooltip("no answer: a connection fault (journaled as status 0)");
            }
            ImGui::TableSetColumnIndex(c_reason);
            ImGui::TextColored(r->status >= 200 && r->status < 300 && r->fault_rule.empty()
                                   ? muted_colour()
                                   : ImGui::GetStyleColorVec4(ImGuiCol_Text),
                               "%s", r->plain.c_str());
            if (ImGui::IsItemHovered()) {
                tooltip_wrapped(r->plain +
                                (r->reason.empty() ? std::string() : "\n\njournal: " + r->reason));
            }
            ImGui::TableSetColumnIndex(c_key);
            ImGui::TextUnformatted(r->write_key.c_str());
            ImGui::TableSetColumnIndex(c_events);
            ImGui::Text("%d", r->event_count);
            ImGui::TableSetColumnIndex(c_ms);
            ImGui::Text("%.1f", static_cast<double>(r->duration_us) / 1000.0);
            ImGui::TableSetColumnIndex(c_fault);
            if (!r->fault_rule.empty()) {
                ImGui::TextColored(status_colour(500), "%s", r->fault_rule.c_str());
            }
            ImGui::PopID();
        }
    }
    if (m_follow && grew && !m_scroll_to_selection) {
        ImGui::SetScrollHereY(1.0f);
    }
    // The user scrolled: follow again only once back at the bottom.
    if (ImGui::IsWindowHovered() && ImGui::GetIO().MouseWheel != 0) {
        m_follow = ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 1.0f;
    }
    if (feed.size() == 0 && !feed.searching()) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(c_path);
        ImGui::TextColored(muted_colour(), "%s",
                           m_query == RequestQuery{}
                               ? "No requests yet: point an SDK at this server."
                               : "No request matches the filter.");
    }
    ImGui::EndTable();
}

} // namespace rm::ui
