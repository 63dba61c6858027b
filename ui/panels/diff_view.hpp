// The diff view: two events side by side (or an event and a fixture line), differences by
// JSON path highlighted. Volatile fields (messageId, timestamps, ...) can be normalised on
// both sides first, as `ruddermock verify` does, so only real differences remain.
#pragma once

#include "../view.hpp"

#include <memory>
#include <string>
#include <vector>

namespace rm::ui {

class DiffView : public View {
  public:
    explicit DiffView(InspectorContext& ctx);
    ~DiffView() override;
    // The right side from a fixture line instead of an event (NDJSON text).
    void set_fixture(const std::string& line);
    // Differences found between the two sides (for tests); -1 until both sides loaded.
    int difference_count() const;
    // The JSON paths of those differences ("properties.total"), in order.
    std::vector<std::string> differing_paths() const;

  protected:
    void draw_content() override;

  private:
    struct State;
    void load();
    void compare();
    std::unique_ptr<State> m_state;
};

} // namespace rm::ui
