// The detail pane of the selected event: its JSON as a collapsible tree or as text (copy the
// value, the path, the whole event), what ruddermock added marked, lint warnings explained,
// its request (headers, decoded body, the answer, timing, the fault) and the other attempts
// of the same delivery (a click on one opens it in the Requests tab).
#pragma once

#include "../view.hpp"
#include "attempts_table.hpp"
#include "protocol/browser_headers.hpp"

#include <memory>
#include <string>
#include <vector>

namespace rm::ui {

class DetailPane : public View {
  public:
    explicit DetailPane(InspectorContext& ctx);
    ~DetailPane() override;
    // The selected event as pretty JSON ("" when none is loaded): Ctrl+C copies it.
    std::string event_text() const;
    // What the browser SDK said in the selected event's request headers (decoded AnonymousId,
    // SentAt, Rsa-* retry headers); null when none is loaded or it sent none.
    const BrowserHeaders* browser_headers() const;

    // The detail tab drawn last frame ("Event", "Request", "Delivery", "Lint"; "" when none).
    const std::string& active_tab() const { return m_active_tab; }
    // The attempts the Delivery tab showed last frame (empty when it was not drawn).
    const std::string& delivery_summary() const { return m_delivery_summary; }
    const std::vector<AttemptRow>& delivery_rows() const { return m_delivery_rows; }

  protected:
    void draw_content() override;

  private:
    struct Parsed; // the selected event, parsed once per selection
    void refresh();
    void draw_header();
    void draw_event_tab();
    void draw_request_tab();
    void draw_browser_headers(const std::string& event_anonymous_id);
    void draw_delivery_tab();
    void draw_lint_tab();

    std::unique_ptr<Parsed> m_parsed;
    bool m_as_text = false;
    std::string m_active_tab;
    std::string m_delivery_summary;
    std::vector<AttemptRow> m_delivery_rows;
};

// One-line explanations of the lint warnings the gateway adds (protocol/events.cpp).
std::string explain_lint(const std::string& warning);

} // namespace rm::ui
