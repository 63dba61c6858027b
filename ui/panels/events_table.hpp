// The events table: one row per event, newest at the bottom, following new rows while
// scrolled to the bottom; sortable, resizable columns; drawn with ImGui's list clipper so only
// the visible rows cost anything, whatever the number of events.
#pragma once

#include "../view.hpp"

namespace rm::ui {

class EventsTable : public View {
  public:
    using View::View;
    // Keyboard: moves the selection by delta rows (arrows), to the first/last (Home/End).
    void move_selection(int delta);
    void select_last();
    bool following() const { return m_follow; }

  protected:
    void draw_content() override;

  private:
    void apply_sort();
    bool m_follow = true; // scrolled to the bottom: keep showing the newest
    bool m_scroll_to_selection = false;
    size_t m_last_size = 0;
};

} // namespace rm::ui
