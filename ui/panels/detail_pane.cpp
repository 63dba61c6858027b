#include "detail_pane.hpp"
#include "attempts_table.hpp"

#include "../theme.hpp"
#include "export_dialog.hpp"
#include "util/plural.hpp"

#include <algorithm>
#include <imgui_stdlib.h>
#include <nlohmann/json.hpp>

namespace rm::ui {

using nlohmann::json;

struct DetailPane::Parsed {
    int64_t id = 0;
    json event;
    std::string pretty;
    std::vector<std::string> lint;
    json headers;
    BrowserHeaders browser;
    std::string body_pretty;
    bool message_id_generated = false;
};

namespace {
const char* const k_added_tip = "added by ruddermock (the gateway adds it too)";

std::string pretty_or_raw(const std::string& text) {
    auto j = json::parse(text, nullptr, false);
    if (j.is_discarded()) {
        return text;
    }
    return j.dump(2, ' ', false, json::error_handler_t::replace);
}

std::string scalar_text(const json& v) {
    if (v.is_string()) {
        return v.get<std::string>();
    }
    return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool added_by_mock(const std::string& path, bool message_id_generated) {
    return path == "rudderId" || path == "receivedAt" || path == "request_ip" ||
           (path == "messageId" && message_id_generated);
}

// One node of the JSON tree; right-click copies its value or path.
void draw_node(const std::string& key, const json& value, const std::string& path,
               bool message_id_generated, int depth) {
    ImGui::PushID(path.c_str());
    const bool added = added_by_mock(path, message_id_generated);
    auto context_menu = [&] {
        if (ImGui::BeginPopupContextItem("node")) {
            if (ImGui::MenuItem("Copy value")) {
                ImGui::SetClipboardText(
                    value.is_structured()
                        ? value.dump(2, ' ', false, json::error_handler_t::replace).c_str()
                        : scalar_text(value).c_str());
            }
            if (ImGui::MenuItem("Copy path")) {
                ImGui::SetClipboardText(path.c_str());
            }
            ImGui::EndPopup();
        }
    };
    if (value.is_structured()) {
        std::string label = key + (value.is_array() ? "  [" + std::to_string(value.size()) + "]"
                                                    : "  {" + std::to_string(value.size()) + "}");
        const bool open = ImGui::TreeNodeEx(
            label.c_str(), depth < 1 ? ImGuiTreeNodeFlags_DefaultOpen : ImGuiTreeNodeFlags_None);
        context_menu();
        if (open) {
            if (value.is_object()) {
                for (const auto& [k, v] : value.items()) {
                    draw_node(k, v, path.empty() ? k : path + "." + k, message_id_generated,
                              depth + 1);
                }
            } else {
                for (size_t i = 0; i < value.size(); ++i) {
                    draw_node("[" + std::to_string(i) + "]", value[i],
                              path + "[" + std::to_string(i) + "]", message_id_generated,
                              depth + 1);
                }
            }
            ImGui::TreePop();
        }
    } else {
        ImGui::TreeNodeEx(key.c_str(), ImGuiTreeNodeFlags_Leaf |
                                           ImGuiTreeNodeFlags_NoTreePushOnOpen |
                                           ImGuiTreeNodeFlags_SpanAvailWidth);
        context_menu();
        ImGui::SameLine();
        const ImVec4 colour = value.is_string()   ? ImVec4(0.55f, 0.85f, 0.6f, 1)
                              : value.is_number() ? ImVec4(0.55f, 0.75f, 1.0f, 1)
                                                  : ImVec4(0.95f, 0.7f, 0.45f, 1);
        std::string text =
            value.is_string() ? "\"" + value.get<std::string>() + "\"" : scalar_text(value);
        ImGui::TextColored(colour, "%s", text.c_str());
        if (added) {
            ImGui::SameLine();
            ImGui::TextColored(accent_colour(), "added");
            if (ImGui::IsItemHovered()) {
                ImGui::SetTooltip("%s", k_added_tip);
            }
        }
    }
    ImGui::PopID();
}

void copy_button(const char* label, const std::string& text, InspectorContext& ctx) {
    if (ImGui::SmallButton(label)) {
        ImGui::SetClipboardText(text.c_str());
        ctx.say("copied to the clipboard", ImGui::GetTime());
    }
}
} // namespace

std::string explain_lint(const std::string& w) {
    if (w.find("track without") == 0) {
        return "Track calls need an event name; destinations drop or mislabel them.";
    }
    if (w.find("without \"name\"") != std::string::npos) {
        return "Page and screen calls usually carry a name; reports group by it.";
    }
    if (w.find("group without") == 0) {
        return "Group calls need a groupId to associate the user with.";
    }
    if (w.find("alias without") == 0) {
        return "Alias calls need previousId: the id being merged into userId.";
    }
    if (w.find("ISO 8601") != std::string::npos) {
        return "Timestamps must be ISO 8601 (2026-11-30T10:00:00.000Z) or the server time is "
               "used.";
    }
    if (w.find("larger than 32 KB") != std::string::npos) {
        return "Events over 32 KB are refused by many destinations and by Segment.";
    }
    if (w.find("unknown type") == 0 || w.find("no \"type\"") != std::string::npos) {
        return "The gateway accepts it, but no destination knows what to do with this type.";
    }
    return "The gateway accepted the event; this is only a warning.";
}

DetailPane::DetailPane(InspectorContext& ctx) : View(ctx) {}
DetailPane::~DetailPane() = default;

std::string DetailPane::event_text() const {
    return m_parsed ? m_parsed->pretty : std::string();
}

void DetailPane::refresh() {
    const EventDetail* d = m_ctx.feed.detail();
    if (!d) {
        m_parsed.reset();
        return;
    }
    if (m_parsed && m_parsed->id == d->event.id) {
        return;
    }
    auto p = std::make_unique<Parsed>();
    p->id = d->event.id;
    p->event = json::parse(d->event.payload_json, nullptr, false);
    p->pretty = pretty_or_raw(d->event.payload_json);
    auto lint = json::parse(d->event.lint_json, nullptr, false);
    if (lint.is_array()) {
        for (const auto& w : lint) {
            if (w.is_string()) {
                p->lint.push_back(w.get<std::string>());
            }
        }
    }
    if (d->request) {
        p->headers = json::parse(d->request->record.headers_json, nullptr, false);
        p->browser = read_browser_headers(d->request->record.headers_json);
        p->body_pretty = pretty_or_raw(d->request->record.body);
        p->message_id_generated =
            !d->event.message_id.empty() &&
            d->request->record.body.find(d->event.message_id) == std::string::npos;
    }
    m_parsed = std::move(p);
}

void DetailPane::draw_content() {
    m_active_tab.clear();
    m_delivery_summary.clear();
    m_delivery_rows.clear();
    refresh();
    const EventDetail* d = m_ctx.feed.detail();
    if (m_ctx.feed.selected() == 0) {
        ImGui::TextColored(muted_colour(), "Select an event to see it here.");
        return;
    }
    if (!d || !m_parsed) {
        ImGui::TextColored(muted_colour(), "loading\xe2\x80\xa6");
        return;
    }
    draw_header();
    if (!ImGui::BeginTabBar("detail")) {
        return;
    }
    auto flags_of = [&](const char* name) { return take_tab_request(m_ctx.open_detail_tab, name); };
    if (ImGui::BeginTabItem("Event", nullptr, flags_of("Event"))) {
        m_active_tab = "Event";
        draw_event_tab();
        ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Request", nullptr, flags_of("Request"))) {
        m_active_tab = "Request";
        draw_request_tab();
        ImGui::EndTabItem();
    }
    std::string attempts = "Delivery (" + std::to_string(d->attempts.size()) + ")###delivery";
    if (ImGui::BeginTabItem(attempts.c_str(), nullptr, flags_of("Delivery"))) {
        m_active_tab = "Delivery";
        draw_delivery_tab();
        ImGui::EndTabItem();
    }
    std::string lint = "Lint (" + std::to_string(m_parsed->lint.size()) + ")###lint";
    if (ImGui::BeginTabItem(lint.c_str(), nullptr, flags_of("Lint"))) {
        m_active_tab = "Lint";
        draw_lint_tab();
        ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
}

void DetailPane::draw_header() {
    const EventDetail& d = *m_ctx.feed.detail();
    ImGui::TextColored(type_colour(d.event.type), "%s", d.event.type.c_str());
    ImGui::SameLine();
    ImGui::TextUnformatted(d.event.event_name.empty() ? "(no name)" : d.event.event_name.c_str());
    ImGui::SameLine();
    ImGui::TextColored(muted_colour(), "#%lld  %s", static_cast<long long>(d.event.id),
                       d.event.received_at.c_str());
    copy_button("Copy event", m_parsed->pretty, m_ctx);
    ImGui::SameLine();
    if (ImGui::SmallButton("Copy as curl") && m_ctx.exporter) {
        m_ctx.exporter->copy_selection_as_curl();
    }
    ImGui::SameLine();
    if (ImGui::SmallButton("Save as fixture\xe2\x80\xa6") && m_ctx.exporter) {
        m_ctx.exporter->open_for_selection_as_fixture();
    }
    ImGui::SameLine();
    if (ImGui::SmallButton("Pin for diff")) {
        m_ctx.diff_left = d.event.id;
        m_ctx.say("pinned #" + std::to_string(d.event.id) + " as the diff's left side",
                  ImGui::GetTime());
    }
    ImGui::SameLine();
    ImGui::BeginDisabled(m_ctx.diff_left == 0 || m_ctx.diff_left == d.event.id);
    if (ImGui::SmallButton("Diff with pinned")) {
        m_ctx.diff_right = d.event.id;
        m_ctx.open_tab = "Diff";
    }
    ImGui::EndDisabled();
    if (d.event.duplicate_of) {
        ImGui::TextColored(accent_colour(), "repeat of event #%lld (same messageId)",
                           static_cast<long long>(*d.event.duplicate_of));
    }
}

void DetailPane::draw_event_tab() {
    ImGui::RadioButton("Tree", !m_as_text) ? (void)(m_as_text = false) : (void)0;
    ImGui::SameLine();
    ImGui::RadioButton("Text", m_as_text) ? (void)(m_as_text = true) : (void)0;
    ImGui::SameLine();
    ImGui::TextColored(muted_colour(), "right-click a field to copy its value or path");
    ImGui::PushFont(m_ctx.fonts.mono);
    if (m_as_text) {
        ImGui::InputTextMultiline("##event", &m_parsed->pretty, ImVec2(-1, -1),
                                  ImGuiInputTextFlags_ReadOnly);
    } else if (ImGui::BeginChild("tree")) {
        if (m_parsed->event.is_object()) {
            for (const auto& [k, v] : m_parsed->event.items()) {
                draw_node(k, v, k, m_parsed->message_id_generated, 0);
            }
        } else {
            ImGui::TextUnformatted(m_parsed->pretty.c_str());
        }
        ImGui::EndChild();
    } else {
        ImGui::EndChild();
    }
    ImGui::PopFont();
}

void DetailPane::draw_request_tab() {
    const EventDetail& d = *m_ctx.feed.detail();
    if (!d.request) {
        ImGui::TextColored(muted_colour(), "its request is not in the journal");
        return;
    }
    const RequestRecord& r = d.request->record;
    ImGui::Text("%s %s%s%s", r.method.c_str(), r.path.c_str(), r.query.empty() ? "" : "?",
                r.query.c_str());
    ImGui::TextColored(status_colour(r.status), "%d", r.status);
    ImGui::SameLine();
    ImGui::TextUnformatted(r.reason.empty() ? "accepted" : r.reason.c_str());
    ImGui::SameLine();
    ImGui::TextColored(
        muted_colour(), "%.2f ms, %s, from %s", static_cast<double>(r.duration_us) / 1000.0,
        counted(static_cast<size_t>(std::max(0, r.event_count)), "event", "events").c_str(),
        r.peer.c_str());
    if (!r.fault_json.empty()) {
        ImGui::TextColored(status_colour(500), "fault applied: %s", r.fault_json.c_str());
    }
    draw_browser_headers(d.event.anonymous_id);
    ImGui::PushFont(m_ctx.fonts.mono);
    if (ImGui::CollapsingHeader("Headers", ImGuiTreeNodeFlags_DefaultOpen) &&
        m_parsed->headers.is_object()) {
        if (ImGui::BeginTable("headers", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_Resizable)) {
            for (const auto& [k, v] : m_parsed->headers.items()) {
                ImGui::TableNextRow();
                ImGui::TableSetColumnIndex(0);
                ImGui::TextColored(muted_colour(), "%s", k.c_str());
                ImGui::TableSetColumnIndex(1);
                ImGui::TextWrapped("%s", scalar_text(v).c_str());
            }
            ImGui::EndTable();
        }
    }
    if (ImGui::CollapsingHeader("Body (decoded)", ImGuiTreeNodeFlags_DefaultOpen)) {
        ImGui::InputTextMultiline("##body", &m_parsed->body_pretty,
                                  ImVec2(-1, ImGui::GetTextLineHeight() * 16),
                                  ImGuiInputTextFlags_ReadOnly);
    }
    if (ImGui::CollapsingHeader("Answer sent", ImGuiTreeNodeFlags_DefaultOpen)) {
        ImGui::TextWrapped("%d  %s", r.status, r.response_body.c_str());
    }
    ImGui::PopFont();
}

const BrowserHeaders* DetailPane::browser_headers() const {
    return m_parsed && m_parsed->browser.any() ? &m_parsed->browser : nullptr;
}

void DetailPane::draw_browser_headers(const std::string& event_anonymous_id) {
    const BrowserHeaders& b = m_parsed->browser;
    if (!b.any() ||
        !ImGui::CollapsingHeader("Browser SDK headers", ImGuiTreeNodeFlags_DefaultOpen)) {
        return;
    }
    auto row = [](const char* name, const std::string& value, const char* tip) {
        ImGui::TextColored(muted_colour(), "%s", name);
        ImGui::SameLine();
        ImGui::TextWrapped("%s", value.c_str()); // a retry line can be long
        if (ImGui::IsItemHovered()) {
            ImGui::SetTooltip("%s", tip);
        }
    };
    if (b.anonymous_id) {
        row("AnonymousId", *b.anonymous_id, "the AnonymousId header, base64-decoded");
        if (!event_anonymous_id.empty() && *b.anonymous_id != event_anonymous_id) {
            ImGui::SameLine();
            ImGui::TextColored(warning_colour(), "differs from the event's anonymousId");
        }
    } else if (b.anonymous_id_raw) {
        row("AnonymousId", *b.anonymous_id_raw, "the AnonymousId header as sent (not base64)");
    }
    if (b.sent_at) {
        row("SentAt", *b.sent_at, "when the SDK sent this request (its clock)");
    }
    if (b.retry_attempt) {
        std::string text = "retry " + *b.retry_attempt;
        if (b.retry_reason) {
            text += " (" + *b.retry_reason + ")";
        }
        if (b.since_last_attempt) {
            text += ", " + *b.since_last_attempt + " ms after the previous attempt";
        }
        if (b.since_first_attempt) {
            text += ", " + *b.since_first_attempt + " ms after the first";
        }
        row("Attempt", text, "Rsa-Retry-Attempt, Rsa-Retry-Reason, Rsa-Since-*-Attempt");
    }
    if (b.recovered) {
        row("Recovered", *b.recovered, "Rsa-Recovered: reclaimed from another tab's storage");
    }
}

void DetailPane::draw_delivery_tab() {
    const EventDetail& d = *m_ctx.feed.detail();
    if (d.attempts.empty()) {
        ImGui::TextColored(muted_colour(), "this event's request carried no messageIds");
        return;
    }
    m_delivery_summary = attempts_summary(d.attempts);
    m_delivery_rows = attempt_rows(d.attempts, d.request ? d.request->id : 0);
    if (const int64_t id = draw_attempts_table(m_delivery_rows, m_delivery_summary); id != 0) {
        m_ctx.open_request = id; // another attempt: shown in the Requests tab
        m_ctx.open_tab = "Requests";
    }
}

void DetailPane::draw_lint_tab() {
    if (m_parsed->lint.empty()) {
        ImGui::TextColored(status_colour(200), "No lint warnings.");
        return;
    }
    for (const auto& w : m_parsed->lint) {
        ImGui::TextColored(warning_colour(), "%s", w.c_str());
        ImGui::Indent();
        ImGui::TextWrapped("%s", explain_lint(w).c_str());
        ImGui::Unindent();
    }
}

} // namespace rm::ui
