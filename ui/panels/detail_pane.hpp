// The detail pane of the selected event: its JSON as a collapsible tree or as text (copy the
// value, the path, the whole event), what ruddermock added marked, lint warnings explained,
// its request (headers, decoded body, the answer, timing, the fault) and the other attempts
// of the same delivery.
#pragma once

#include "../view.hpp"
#include "protocol/browser_headers.hpp"

#include <memory>
#include <string>

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
};

// One-line explanations of the lint warnings the gateway adds (protocol/events.cpp).
std::string explain_lint(const std::string& warning);

} // namespace rm::ui
