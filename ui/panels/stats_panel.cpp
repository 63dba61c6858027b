#include "stats_panel.hpp"

#include "../theme.hpp"
#include "status_bar.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace rm::ui {

namespace {

constexpr int k_window_s = 300; // the plot's span: five minutes
constexpr size_t k_top_keys = 20;
// The totals (and so the samples) refresh about once a second while traffic flows: a rate
// holds this long after its sample, then counts as 0 (no commit since, so no events).
constexpr double k_hold_s = 2.0;

struct ShareRow {
    std::string label;
    int64_t count;
    ImVec4 colour; // of the label
    ImVec4 bar;
};

// A heading and one row per entry: its name, its count and a bar of its share of total.
void share_table(const char* id, const char* heading, const std::vector<ShareRow>& rows,
                 int64_t total, const char* empty_text) {
    ImGui::TextColored(accent_colour(), "%s", heading);
    if (rows.empty()) {
        ImGui::TextColored(muted_colour(), "%s", empty_text);
        return;
    }
    const ImGuiTableFlags flags =
        ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_BordersInnerV;
    if (!ImGui::BeginTable(id, 4, flags)) {
        return;
    }
    const float ch = ImGui::CalcTextSize("0").x;
    float label_width = ch * 6;
    for (const ShareRow& r : rows) {
        label_width = std::max(label_width, ImGui::CalcTextSize(r.label.c_str()).x);
    }
    ImGui::TableSetupColumn("", 0, std::min(label_width, ch * 24));
    ImGui::TableSetupColumn("count", 0, ch * 9);
    ImGui::TableSetupColumn("share", 0, ch * 6);
    ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableHeadersRow();
    for (const ShareRow& r : rows) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextColored(r.colour, "%s", r.label.c_str());
        if (ImGui::IsItemHovered() && ImGui::CalcTextSize(r.label.c_str()).x > ch * 24) {
            ImGui::SetTooltip("%s", r.label.c_str());
        }
        ImGui::TableNextColumn();
        ImGui::Text("%lld", static_cast<long long>(r.count));
        ImGui::TableNextColumn();
        const float share = total > 0 ? static_cast<float>(r.count) / static_cast<float>(total) : 0;
        char text[16];
        std::snprintf(text, sizeof text, "%.1f%%", share * 100.0f);
        const float text_width = ImGui::CalcTextSize(text).x;
        ImGui::SetCursorPosX(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x -
                             text_width);
        ImGui::TextUnformatted(text);
        ImGui::TableNextColumn();
        ImGui::PushStyleColor(ImGuiCol_PlotHistogram, r.bar);
        ImGui::PushStyleColor(ImGuiCol_FrameBg, ImGui::GetStyleColorVec4(ImGuiCol_TableRowBgAlt));
        ImGui::ProgressBar(share, ImVec2(-1, ImGui::GetTextLineHeight()), "");
        ImGui::PopStyleColor(2);
    }
    ImGui::EndTable();
}

std::string status_label(int status) {
    if (status == 0) {
        return "0 (no answer)";
    }
    return std::to_string(status);
}

} // namespace

std::vector<float> rate_bins(const std::deque<std::pair<double, double>>& samples, double now,
                             int bins) {
    std::vector<float> out(static_cast<size_t>(std::max(bins, 0)), 0.0f);
    size_t i = 0;
    for (size_t b = 0; b < out.size(); ++b) {
        const double mid = now - static_cast<double>(out.size() - b) + 0.5;
        while (i < samples.size() && samples[i].first < mid) {
            ++i; // samples before the bin ended before it
        }
        if (i == samples.size()) {
            // Past the last sample: its rate holds while the next one is due.
            if (!samples.empty() && mid - samples.back().first <= k_hold_s) {
                out[b] = static_cast<float>(samples.back().second);
                continue;
            }
            break;
        }
        const double start = i == 0 ? samples[0].first - 1.0 : samples[i - 1].first;
        if (start < mid) {
            out[b] = static_cast<float>(samples[i].second);
        }
    }
    return out;
}

void StatsPanel::draw_content() {
    draw_rate();
    ImGui::Spacing();
    ImGui::Separator();
    ImGui::Spacing();
    draw_counts();
}

void StatsPanel::draw_rate() {
    ImGui::TextColored(accent_colour(), "Events per second");
    ImGui::SameLine();
    ImGui::TextColored(muted_colour(), "last 5 minutes");
    if (m_ctx.read_only) {
        ImGui::TextColored(muted_colour(),
                           "Read-only (--open): no events arrive, so there is no rate to plot.");
        return;
    }
    const double now = ImGui::GetTime();
    const auto& history = m_status.rate_history();
    const std::vector<float> bins = rate_bins(history, now, k_window_s);
    // The average is over the part of the window the samples cover (since the window opened).
    size_t covered_from = bins.size();
    if (!history.empty()) {
        const double first = history.front().first - 1.0;
        const double span = std::clamp(now - first, 0.0, static_cast<double>(k_window_s));
        covered_from = bins.size() - static_cast<size_t>(span);
    }
    double sum = 0;
    float peak = 0;
    for (size_t b = 0; b < bins.size(); ++b) {
        peak = std::max(peak, bins[b]);
        if (b >= covered_from) {
            sum += bins[b];
        }
    }
    const size_t covered = bins.size() - covered_from;
    const double average = covered > 0 ? sum / static_cast<double>(covered) : 0;
    const bool recent = !history.empty() && now - history.back().first <= k_hold_s;
    const double current = recent ? history.back().second : 0;

    ImGui::Text("now %.1f/s", current);
    ImGui::SameLine(0, 24);
    ImGui::Text("peak %.1f/s", peak);
    ImGui::SameLine(0, 24);
    ImGui::Text("average %.1f/s", average);
    ImGui::SameLine(0, 24);
    if (covered < static_cast<size_t>(k_window_s)) {
        ImGui::TextColored(muted_colour(), "%.0f events in the last %zu s", sum, covered);
    } else {
        ImGui::TextColored(muted_colour(), "%.0f events in the last 5 min", sum);
    }
    if (m_ctx.feed.paused()) {
        ImGui::SameLine(0, 24);
        ImGui::TextColored(warning_colour(), "paused: counts wait for Resume");
    }

    const float height = ImGui::GetTextLineHeight() * 7;
    const float width = ImGui::GetContentRegionAvail().x; // PlotLines takes no -1
    ImGui::PushStyleColor(ImGuiCol_PlotLines, accent_colour());
    ImGui::PlotLines("##rate", bins.data(), static_cast<int>(bins.size()), 0, nullptr, 0.0f,
                     std::max(1.0f, peak * 1.15f), ImVec2(width, height));
    ImGui::PopStyleColor();
    ImGui::TextColored(muted_colour(), "-5 min");
    const float now_width = ImGui::CalcTextSize("now").x;
    ImGui::SameLine(ImGui::GetCursorPosX() + width - now_width);
    ImGui::TextColored(muted_colour(), "now");
}

void StatsPanel::draw_counts() {
    const FeedTotals& t = m_ctx.feed.totals();
    std::vector<ShareRow> types;
    for (const auto& [type, count] : t.by_type) {
        types.push_back(
            {type.empty() ? "(none)" : type, count, type_colour(type), type_colour(type)});
    }
    std::stable_sort(types.begin(), types.end(),
                     [](const ShareRow& a, const ShareRow& b) { return a.count > b.count; });
    std::vector<ShareRow> statuses;
    for (const auto& [status, count] : t.by_status) {
        statuses.push_back(
            {status_label(status), count, status_colour(status), status_colour(status)});
    }
    std::vector<ShareRow> keys;
    for (const auto& [key, count] : t.by_key) {
        keys.push_back({key.empty() ? "(no key)" : key, count,
                        ImGui::GetStyleColorVec4(ImGuiCol_Text), accent_colour()});
    }
    std::stable_sort(keys.begin(), keys.end(),
                     [](const ShareRow& a, const ShareRow& b) { return a.count > b.count; });
    int64_t other_keys = 0;
    size_t other_key_count = 0;
    if (keys.size() > k_top_keys) {
        for (size_t i = k_top_keys; i < keys.size(); ++i) {
            other_keys += keys[i].count;
        }
        other_key_count = keys.size() - k_top_keys;
        keys.resize(k_top_keys);
    }

    const float width =
        (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x * 2) / 3;
    const float height = ImGui::GetContentRegionAvail().y - ImGui::GetFrameHeightWithSpacing();
    if (ImGui::BeginChild("types", ImVec2(width, height))) {
        char heading[64];
        std::snprintf(heading, sizeof heading, "Events by type (%lld)",
                      static_cast<long long>(t.events));
        share_table("by_type", heading, types, t.events, "No events yet.");
    }
    ImGui::EndChild();
    ImGui::SameLine();
    if (ImGui::BeginChild("statuses", ImVec2(width, height))) {
        char heading[64];
        std::snprintf(heading, sizeof heading, "Requests by status (%lld)",
                      static_cast<long long>(t.requests));
        share_table("by_status", heading, statuses, t.requests, "No requests yet.");
    }
    ImGui::EndChild();
    ImGui::SameLine();
    if (ImGui::BeginChild("keys", ImVec2(width, height))) {
        share_table("by_key", "Requests by write key (top 20)", keys, t.requests,
                    "No requests yet.");
        if (other_key_count > 0) {
            ImGui::TextColored(muted_colour(), "and %zu more keys: %lld requests", other_key_count,
                               static_cast<long long>(other_keys));
        }
    }
    ImGui::EndChild();
    ImGui::TextColored(muted_colour(), "Counts cover the whole database; they refresh at most "
                                       "once a second while traffic flows.");
}

} // namespace rm::ui
