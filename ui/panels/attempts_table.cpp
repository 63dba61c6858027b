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

int64_t draw_attempts_table(const std::vector<DeliveryAttempt>& attempts, int64_t this_request,
                            bool selectable) {
    ImGui::Text("%zu attempt%s of the same events: %s", attempts.size(),
                attempts.size() == 1 ? "" : "s", outcome_of(attempts));
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
    int64_t previous = -1;
    for (const auto& a : attempts) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        const bool mine = a.request_id == this_request;
        const std::string label =
            "#" + std::to_string(a.request_id) + (mine ? std::string(" (this)") : std::string());
        if (selectable) {
            ImGui::PushID(static_cast<int>(a.request_id));
            if (ImGui::Selectable(label.c_str(), mine, ImGuiSelectableFlags_SpanAllColumns) &&
                !mine) {
                clicked = a.request_id;
            }
            ImGui::PopID();
        } else {
            ImGui::TextUnformatted(label.c_str());
        }
        ImGui::TableSetColumnIndex(1);
        ImGui::TextUnformatted(a.received_at.c_str());
        ImGui::TableSetColumnIndex(2);
        if (previous >= 0) {
            ImGui::Text("%lld", static_cast<long long>(a.received_ms - previous));
        }
        previous = a.received_ms;
        ImGui::TableSetColumnIndex(3);
        if (a.status == 0) {
            ImGui::TextColored(muted_colour(), "none"); // a connection fault: no answer
        } else {
            ImGui::TextColored(status_colour(a.status), "%d", a.status);
        }
        ImGui::TableSetColumnIndex(4);
        ImGui::TextWrapped("%s", fault_and_retry(a).c_str());
    }
    ImGui::EndTable();
    return clicked;
}

} // namespace rm::ui
