// The Requests tab's lower pane: the selected request parsed once (refresh) and drawn with
// its tabs: body, headers, the answer and fault, the other attempts of its delivery.
#include "../theme.hpp"
#include "attempts_table.hpp"
#include "requests_view_internal.hpp"
#include "util/encoding.hpp"

#include <imgui_stdlib.h>

namespace rm::ui {

namespace {
using requests::status_text;

// Bodies up to this size are shown (and pretty-printed); Copy still copies the whole body.
constexpr size_t k_show_bytes = 1 << 20;

std::string scalar_text(const ordered_json& v) {
    if (v.is_string()) {
        return v.get<std::string>();
    }
    return v.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}
} // namespace

void RequestsView::refresh() {
    const RequestDetail* d = m_feed->detail();
    if (!d) {
        m_parsed.reset();
        return;
    }
    if (m_parsed && m_parsed->id == d->request.id) {
        return;
    }
    auto p = std::make_unique<Parsed>();
    const RequestRecord& r = d->request.record;
    p->id = d->request.id;
    p->headers = ordered_json::parse(r.headers_json, nullptr, false);
    if (r.body.size() <= k_show_bytes) {
        auto j = ordered_json::parse(r.body, nullptr, false);
        p->body_is_json = !j.is_discarded() && !r.body.empty();
        p->body = p->body_is_json ? j.dump(2, ' ', false, ordered_json::error_handler_t::replace)
                                  : r.body;
    } else {
        p->body = r.body.substr(0, k_show_bytes);
        p->body_cut = true;
    }
    p->answer = r.response_body;
    if (!r.fault_json.empty()) {
        auto f = ordered_json::parse(r.fault_json, nullptr, false);
        p->fault_pretty = f.is_discarded()
                              ? r.fault_json
                              : f.dump(2, ' ', false, ordered_json::error_handler_t::replace);
    }
    m_parsed = std::move(p);
    ++m_local_version;
}

void RequestsView::draw_detail() {
    refresh();
    if (m_feed->selected() == 0) {
        ImGui::TextColored(muted_colour(), "Select a request to see its headers, body and answer.");
        return;
    }
    const RequestDetail* d = m_feed->detail();
    if (!d || !m_parsed) {
        ImGui::TextColored(muted_colour(), "loading\xe2\x80\xa6");
        return;
    }
    const RequestRecord& r = d->request.record;
    ImGui::TextColored(status_colour(r.status), "%s", status_text(r.status).c_str());
    ImGui::SameLine();
    ImGui::Text("%s %s%s%s", r.method.c_str(), r.path.c_str(), r.query.empty() ? "" : "?",
                r.query.c_str());
    ImGui::SameLine();
    ImGui::TextColored(muted_colour(), "#%lld  %s  %.2f ms  %d event%s  key %s  from %s",
                       static_cast<long long>(d->request.id), d->request.received_at.c_str(),
                       static_cast<double>(r.duration_us) / 1000.0, r.event_count,
                       r.event_count == 1 ? "" : "s",
                       r.write_key.empty() ? "(none)" : r.write_key.c_str(), r.peer.c_str());
    const bool ok = r.status >= 200 && r.status < 300;
    ImGui::PushStyleColor(ImGuiCol_Text, ok && r.fault_rule.empty()
                                             ? status_colour(200)
                                             : ImGui::GetStyleColorVec4(ImGuiCol_Text));
    ImGui::TextWrapped("%s", d->plain.c_str());
    ImGui::PopStyleColor();
    if (!r.reason.empty()) {
        ImGui::TextColored(muted_colour(), "journal reason: %s", r.reason.c_str());
    }
    if (ImGui::BeginTabBar("request detail")) {
        if (ImGui::BeginTabItem("Body")) {
            draw_body_tab();
            ImGui::EndTabItem();
        }
        if (ImGui::BeginTabItem("Headers")) {
            draw_headers_tab();
            ImGui::EndTabItem();
        }
        if (ImGui::BeginTabItem(r.fault_rule.empty() ? "Answer###answer"
                                                     : "Answer and fault###answer")) {
            draw_answer_tab();
            ImGui::EndTabItem();
        }
        std::string attempts = "Delivery (" + std::to_string(d->attempts.size()) + ")###delivery";
        if (ImGui::BeginTabItem(attempts.c_str())) {
            draw_delivery_tab();
            ImGui::EndTabItem();
        }
        ImGui::EndTabBar();
    }
}

void RequestsView::draw_body_tab() {
    const RequestRecord& r = m_feed->detail()->request.record;
    ImGui::TextColored(muted_colour(), "%zu bytes%s%s", r.body.size(),
                       m_parsed->body_is_json ? ", JSON (pretty-printed)" : "",
                       m_parsed->body_cut ? ", the first 1 MiB shown" : "");
    ImGui::SameLine();
    if (ImGui::SmallButton("Copy body")) {
        ImGui::SetClipboardText(r.body.c_str());
        m_ctx.say("body copied to the clipboard", ImGui::GetTime());
    }
    if (r.body.empty()) {
        ImGui::TextColored(muted_colour(), "(no body)");
        return;
    }
    ImGui::PushFont(m_ctx.fonts.mono);
    ImGui::InputTextMultiline("##body", &m_parsed->body, ImVec2(-1, -1),
                              ImGuiInputTextFlags_ReadOnly);
    ImGui::PopFont();
}

void RequestsView::draw_headers_tab() {
    if (!m_parsed->headers.is_object() || m_parsed->headers.empty()) {
        ImGui::TextColored(muted_colour(), "(no headers recorded)");
        return;
    }
    ImGui::PushFont(m_ctx.fonts.mono);
    if (ImGui::BeginTable("headers", 2,
                          ImGuiTableFlags_RowBg | ImGuiTableFlags_Resizable |
                              ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV)) {
        ImGui::TableSetupColumn("Header", ImGuiTableColumnFlags_WidthFixed,
                                ImGui::CalcTextSize("Content-Encoding-Xyz").x);
        ImGui::TableSetupColumn("Value", ImGuiTableColumnFlags_WidthStretch);
        for (const auto& [k, v] : m_parsed->headers.items()) {
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::TextColored(muted_colour(), "%s", k.c_str());
            ImGui::TableSetColumnIndex(1);
            std::string value = scalar_text(v);
            // Basic auth carries the write key: show it decoded ("key:").
            if (value.size() > 6 &&
                (value.rfind("Basic ", 0) == 0 || value.rfind("basic ", 0) == 0)) {
                if (auto decoded = base64_decode(std::string_view(value).substr(6))) {
                    value += "   (decoded: " + *decoded + ")";
                }
            }
            ImGui::TextWrapped("%s", value.c_str());
        }
        ImGui::EndTable();
    }
    ImGui::PopFont();
}

void RequestsView::draw_answer_tab() {
    const RequestRecord& r = m_feed->detail()->request.record;
    if (r.status == 0) {
        ImGui::TextColored(status_colour(0), "No answer was sent (connection fault).");
        if (!r.response_body.empty()) {
            ImGui::TextColored(muted_colour(), "What was sent before the connection closed:");
        }
    } else {
        ImGui::TextColored(status_colour(r.status), "HTTP %d", r.status);
    }
    if (!r.response_body.empty()) {
        ImGui::PushFont(m_ctx.fonts.mono);
        ImGui::TextWrapped("%s", m_parsed->answer.c_str());
        ImGui::PopFont();
    } else if (r.status != 0) {
        ImGui::TextColored(muted_colour(), "(empty body)");
    }
    ImGui::Separator();
    if (r.fault_rule.empty()) {
        ImGui::TextColored(muted_colour(), "No fault rule fired for this request.");
        return;
    }
    ImGui::TextColored(status_colour(500), "Fault rule %s fired", r.fault_rule.c_str());
    ImGui::SameLine();
    ImGui::TextColored(muted_colour(), "(the Faults tab shows the plan and its counters)");
    ImGui::PushFont(m_ctx.fonts.mono);
    ImGui::TextUnformatted(m_parsed->fault_pretty.c_str());
    ImGui::PopFont();
    if (ImGui::SmallButton("Show every request that met a fault")) {
        m_code_text.clear();
        m_query = RequestQuery{StatusClass::faults, 0, "", ""};
        m_feed->set_query(m_query);
    }
}

void RequestsView::draw_delivery_tab() {
    const RequestDetail& d = *m_feed->detail();
    if (d.attempts.empty()) {
        ImGui::TextColored(muted_colour(), "This request carried no messageIds (it belongs to "
                                           "no delivery: refused before its events were read).");
        return;
    }
    auto rows = attempt_rows(d.attempts, d.request.id);
    const int64_t id = draw_attempts_table(rows, attempts_summary(d.attempts));
    if (id != 0) {
        m_feed->select(id);
        m_scroll_to_selection = true;
    }
}

} // namespace rm::ui
