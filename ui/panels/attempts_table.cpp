#include "attempts_table.hpp"

#include "../theme.hpp"

#include <cctype>
#include <imgui.h>
#include <nlohmann/json.hpp>
#include <string>

namespace rm::ui {

namespace {

const char* outcome_of(const std::vector<DeliveryAttempt>& attempts) {
    int ok = 0;
    for (const auto& a : attempts) {
        ok += a.status == 200 ? 1 : 0;
    }
    return ok == 0 ? "failed" : ok == 1 ? "delivered" : "duplicated";
}

// The fault that fired and the SDK's retry headers (X-Retry-Count, Rsa-*), on one line.
std::string fault_and_retry(const DeliveryAttempt& a) {
    std::string info = a.fault_json;
    auto headers = nlohmann::json::parse(a.headers_json, nullptr, false);
    if (!headers.is_object()) {
        return info;
    }
    for (const auto& [k, v] : headers.items()) {
        std::string lower = k;
        for (auto& c : lower) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        if (lower == "x-retry-count" || lower.rfind("rsa-", 0) == 0) {
            const std::string value = v.is_string() ? v.get<std::string>() : v.dump();
            info += (info.empty() ? "" : "  ") + k + ": " + value;
        }
    }
    return info;
}

} // namespace

std::string attempts_summary(const std::vector<DeliveryAttempt>& attempts) {
    return std::to_string(attempts.size()) + " attempt" + (attempts.size() == 1 ? "" : "s") +
           " of the same events: " + outcome_of(attempts);
}

std::vector<AttemptRow> attempt_rows(const std::vector<DeliveryAttempt>& attempts,
                                     int64_t this_request) {
    std::vector<AttemptRow> rows;
    rows.reserve(attempts.size());
    int64_t previous = -1;
    for (const auto& a : attempts) {
        AttemptRow row;
        row.request_id = a.request_id;
        row.mine = a.request_id == this_request;
        row.label = "#" + std::to_string(a.request_id) + (row.mine ? " (this)" : "");
        row.time = a.received_at;
        if (previous >= 0) {
            row.since_ms = std::to_string(a.received_ms - previous);
        }
        previous = a.received_ms;
        row.code = a.status;
        row.status = a.status == 0 ? "none" : std::to_string(a.status);
        row.fault_retry = fault_and_retry(a);
        rows.push_back(std::move(row));
    }
    return rows;
}

int64_t draw_attempts_table(std::vector<AttemptRow>& rows, const std::string& summary) {
    ImGui::TextUnformatted(summary.c_str());
    int64_t clicked = 0;
    if (!ImGui::BeginTable("attempts", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
        return clicked;
    }
    // Sized to their contents: the rest of the width goes to the fault and retry headers.
    ImGui::TableSetupColumn("Request", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableSetupColumn("Time", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableSetupColumn("+ms", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableSetupColumn("Status", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableSetupColumn("Fault / retry headers", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableHeadersRow();
    for (auto& row : rows) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::PushID(static_cast<int>(row.request_id));
        if (ImGui::Selectable(row.label.c_str(), row.mine, ImGuiSelectableFlags_SpanAllColumns) &&
            !row.mine) {
            clicked = row.request_id;
        }
        row.min = ImGui::GetItemRectMin();
        row.max = ImGui::GetItemRectMax();
        ImGui::PopID();
        ImGui::TableSetColumnIndex(1);
        ImGui::TextUnformatted(row.time.c_str());
        ImGui::TableSetColumnIndex(2);
        ImGui::TextUnformatted(row.since_ms.c_str());
        ImGui::TableSetColumnIndex(3);
        ImGui::TextColored(row.code == 0 ? muted_colour() : status_colour(row.code), "%s",
                           row.status.c_str());
        ImGui::TableSetColumnIndex(4);
        ImGui::TextWrapped("%s", row.fault_retry.c_str());
    }
    ImGui::EndTable();
    return clicked;
}

} // namespace rm::ui
