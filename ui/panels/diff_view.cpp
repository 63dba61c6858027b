#include "diff_view.hpp"

#include "../theme.hpp"
#include "export/json_diff.hpp"
#include "export/normalize.hpp"

#include <imgui_stdlib.h>
#include <nlohmann/json.hpp>
#include <set>

namespace rm::ui {

using nlohmann::json;

struct DiffView::State {
    int64_t left_id = 0;
    int64_t right_id = 0;
    std::string left_text; // the payloads as stored
    std::string right_text;
    std::string left_title;
    std::string right_title;
    bool use_fixture = false;
    std::string fixture;
    bool normalize = true;
    bool compared = false;
    std::string error;
    std::vector<JsonDifference> differences;
    std::set<std::string> differing; // paths, for highlighting rows
    std::vector<std::pair<std::string, std::string>> left_paths;
    std::vector<std::pair<std::string, std::string>> right_paths;
    uint64_t loads = 0; // ignores answers for an older pair
};

namespace {
std::string title_of(const EventDetail& d) {
    return "#" + std::to_string(d.event.id) + " " + d.event.type +
           (d.event.event_name.empty() ? "" : " \"" + d.event.event_name + "\"");
}

ImVec4 kind_colour(JsonDifference::Kind k) {
    switch (k) {
    case JsonDifference::Kind::changed:
        return warning_colour();
    case JsonDifference::Kind::only_left:
        return status_colour(500);
    case JsonDifference::Kind::only_right:
        return status_colour(200);
    }
    return muted_colour();
}
} // namespace

DiffView::DiffView(InspectorContext& ctx) : View(ctx), m_state(std::make_unique<State>()) {}
DiffView::~DiffView() = default;

void DiffView::set_fixture(const std::string& line) {
    m_state->use_fixture = true;
    m_state->fixture = line;
    m_state->compared = false;
}

int DiffView::difference_count() const {
    return m_state->compared && m_state->error.empty()
               ? static_cast<int>(m_state->differences.size())
               : -1;
}

std::vector<std::string> DiffView::differing_paths() const {
    std::vector<std::string> out;
    for (const auto& d : m_state->differences) {
        out.push_back(d.path);
    }
    return out;
}

void DiffView::load() {
    State& s = *m_state;
    const int64_t left = m_ctx.diff_left;
    const int64_t right = s.use_fixture ? 0 : m_ctx.diff_right;
    if (left == s.left_id && right == s.right_id) {
        return;
    }
    s.left_id = left;
    s.right_id = right;
    s.left_text.clear();
    s.right_text.clear();
    s.compared = false;
    const uint64_t load = ++s.loads;
    State* state = &s;
    // The feed's callbacks run on the UI thread, while this view exists (it is owned by
    // the Inspector, which outlives the feed's pending tasks: see EventFeed::Shared).
    if (left != 0) {
        m_ctx.feed.load_detail(left, [state, load](EventDetail d) {
            if (state->loads == load) {
                state->left_title = title_of(d);
                state->left_text = d.event.payload_json;
                state->compared = false;
            }
        });
    }
    if (right != 0) {
        m_ctx.feed.load_detail(right, [state, load](EventDetail d) {
            if (state->loads == load) {
                state->right_title = title_of(d);
                state->right_text = d.event.payload_json;
                state->compared = false;
            }
        });
    }
}

void DiffView::compare() {
    State& s = *m_state;
    const std::string& right_raw = s.use_fixture ? s.fixture : s.right_text;
    if (s.compared || s.left_text.empty() || right_raw.empty()) {
        return;
    }
    s.compared = true;
    s.error.clear();
    std::string left = s.left_text;
    std::string right = right_raw;
    if (s.normalize) {
        // One normaliser for both sides: the same messageId gets the same placeholder.
        Normalizer n;
        auto l = n.normalize(left);
        auto r = n.normalize(right);
        if (!l || !r) {
            s.error = "not JSON: " + (!l ? l.error().message : r.error().message);
            return;
        }
        left = *l;
        right = *r;
    }
    auto lj = json::parse(left, nullptr, false);
    auto rj = json::parse(right, nullptr, false);
    if (lj.is_discarded() || rj.is_discarded()) {
        s.error = lj.is_discarded() ? "the left side is not JSON" : "the right side is not JSON";
        return;
    }
    s.differences = json_diff(lj, rj);
    s.differing.clear();
    for (const auto& d : s.differences) {
        s.differing.insert(d.path);
    }
    s.left_paths = json_paths(lj);
    s.right_paths = json_paths(rj);
}

void DiffView::draw_content() {
    State& s = *m_state;
    load();
    compare();
    if (m_ctx.diff_left == 0) {
        ImGui::TextColored(muted_colour(),
                           "Pick two events: \"Pin for diff\" in the detail pane (or right-click "
                           "a row), then \"Diff with pinned\" on another one.");
        return;
    }
    ImGui::Text("Left: %s", s.left_title.empty() ? "loading\xe2\x80\xa6" : s.left_title.c_str());
    ImGui::SameLine(0, 30);
    if (ImGui::RadioButton("Right: an event", !s.use_fixture)) {
        s.use_fixture = false;
        s.compared = false;
    }
    ImGui::SameLine();
    if (ImGui::RadioButton("a fixture line", s.use_fixture)) {
        s.use_fixture = true;
        s.compared = false;
    }
    ImGui::SameLine(0, 30);
    if (ImGui::Checkbox("normalise volatile fields", &s.normalize)) {
        s.compared = false;
    }
    if (s.use_fixture) {
        ImGui::PushFont(m_ctx.fonts.mono);
        if (ImGui::InputTextMultiline("##fixture", &s.fixture,
                                      ImVec2(-1, ImGui::GetTextLineHeight() * 4))) {
            s.compared = false;
        }
        ImGui::PopFont();
    } else if (m_ctx.diff_right == 0) {
        ImGui::TextColored(muted_colour(), "Select another event and press \"Diff with pinned\".");
        return;
    } else {
        ImGui::Text("Right: %s",
                    s.right_title.empty() ? "loading\xe2\x80\xa6" : s.right_title.c_str());
    }
    if (!s.error.empty()) {
        ImGui::TextColored(status_colour(500), "%s", s.error.c_str());
        return;
    }
    if (!s.compared) {
        return;
    }
    if (s.differences.empty()) {
        ImGui::TextColored(status_colour(200), "No differences%s.",
                           s.normalize ? " (after normalising volatile fields)" : "");
    } else {
        ImGui::Text("%zu difference%s", s.differences.size(), s.differences.size() == 1 ? "" : "s");
    }
    ImGui::PushFont(m_ctx.fonts.mono);
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_Resizable |
                                  ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollY;
    if (!s.differences.empty() &&
        ImGui::BeginTable("differences", 3, flags,
                          ImVec2(0, ImGui::GetTextLineHeightWithSpacing() *
                                        std::min<float>(8, 1.5f + s.differences.size())))) {
        ImGui::TableSetupColumn("Path");
        ImGui::TableSetupColumn("Left");
        ImGui::TableSetupColumn("Right");
        ImGui::TableHeadersRow();
        for (const auto& d : s.differences) {
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::TextColored(kind_colour(d.kind), "%s",
                               d.path.empty() ? "(root)" : d.path.c_str());
            ImGui::TableSetColumnIndex(1);
            ImGui::TextWrapped("%s", d.left.empty() ? "(absent)" : d.left.c_str());
            ImGui::TableSetColumnIndex(2);
            ImGui::TextWrapped("%s", d.right.empty() ? "(absent)" : d.right.c_str());
        }
        ImGui::EndTable();
    }
    // Side by side: both documents by path, differing rows highlighted.
    if (ImGui::BeginTable("sides", 2, flags)) {
        ImGui::TableSetupColumn("Left");
        ImGui::TableSetupColumn("Right");
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableHeadersRow();
        const ImU32 highlight = ImGui::GetColorU32(ImVec4(0.9f, 0.6f, 0.1f, 0.18f));
        auto cell = [&](const std::vector<std::pair<std::string, std::string>>& side, size_t i) {
            if (i >= side.size()) {
                return;
            }
            const auto& [path, value] = side[i];
            const int depth = static_cast<int>(std::count(path.begin(), path.end(), '.') +
                                               std::count(path.begin(), path.end(), '['));
            std::string label =
                path.empty()
                    ? "(event)"
                    : path.substr(path.find_last_of(".[") == std::string::npos
                                      ? 0
                                      : path.find_last_of(".[") +
                                            (path[path.find_last_of(".[")] == '.' ? 1 : 0));
            ImGui::Indent(static_cast<float>(depth) * 12.0f + 1.0f);
            ImVec4 c = s.differing.count(path) ? warning_colour()
                                               : ImGui::GetStyleColorVec4(ImGuiCol_Text);
            ImGui::TextColored(c, "%s: %s", label.c_str(), value.c_str());
            ImGui::Unindent(static_cast<float>(depth) * 12.0f + 1.0f);
            if (s.differing.count(path)) {
                ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, highlight);
            }
        };
        const size_t rows = std::max(s.left_paths.size(), s.right_paths.size());
        ImGuiListClipper clipper;
        clipper.Begin(static_cast<int>(rows));
        while (clipper.Step()) {
            for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
                ImGui::TableNextRow();
                ImGui::TableSetColumnIndex(0);
                cell(s.left_paths, static_cast<size_t>(i));
                ImGui::TableSetColumnIndex(1);
                cell(s.right_paths, static_cast<size_t>(i));
            }
        }
        ImGui::EndTable();
    }
    ImGui::PopFont();
}

} // namespace rm::ui
