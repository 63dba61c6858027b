// The base of every panel: it owns the child region (BeginChild/EndChild) so a panel only
// draws its content, as ImHex's views do.
#pragma once

#include "context.hpp"

#include <imgui.h>

namespace rm::ui {

class View {
  public:
    explicit View(InspectorContext& ctx) : m_ctx(ctx) {}
    virtual ~View() = default;
    View(const View&) = delete;
    View& operator=(const View&) = delete;

    // Draws the panel in a child region of this size (0 = the rest of the space).
    void draw(const char* id, ImVec2 size = ImVec2(0, 0), bool border = false,
              ImGuiWindowFlags flags = 0) {
        if (ImGui::BeginChild(id, size, border, flags)) {
            draw_content();
        }
        ImGui::EndChild();
    }

  protected:
    virtual void draw_content() = 0;
    InspectorContext& m_ctx;
};

// The flags for tab `name` of a tab bar: SetSelected once when `pending` names it (a request to
// bring it to the front, then cleared), else none.
inline ImGuiTabItemFlags take_tab_request(std::string& pending, const char* name) {
    if (pending != name) {
        return 0;
    }
    pending.clear();
    return ImGuiTabItemFlags_SetSelected;
}

} // namespace rm::ui
