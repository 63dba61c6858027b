// The filter bar: the filter language (query/filter.hpp) typed live, its errors shown under
// the text at their position, history on up/down, a quick type selector, Esc to clear.
#pragma once

#include "../view.hpp"

#include <string>

namespace rm::ui {

class FilterBar : public View {
  public:
    explicit FilterBar(InspectorContext& ctx);
    // Replaces the text and applies it (quick selector, tests, shortcuts).
    void set_text(const std::string& text);
    const std::string& text() const { return m_text; }
    const std::string& error() const { return m_error; }
    size_t error_position() const { return m_error_position; } // 1-based, 0 = none
    void clear() { set_text(""); }
    // Applies pending typing now instead of after the pause (Enter does this too).
    void apply();

  protected:
    void draw_content() override;

  private:
    void draw_type_selector();
    void check(); // parses the text, keeps the error
    static int on_input(struct ImGuiInputTextCallbackData* data);

    std::string m_text;
    std::string m_applied;
    std::string m_error;
    size_t m_error_position = 0;
    double m_edited_at = -1;
    int m_history_pos = -1; // -1 = not browsing
};

} // namespace rm::ui
