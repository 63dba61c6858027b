// The Requests tab: the journal of every gateway request, refused ones included (401, 400,
// 413, 429, faults, connection faults), each with its reason in plain words; a status
// selector (All, 2xx, 4xx, 5xx, Faults, No answer, a code), a write key and a path filter;
// below the table the selected request: headers, decoded body, the answer sent, the fault,
// timing, the other attempts of its delivery. Its RequestFeed opens when the tab is first
// drawn, on its own read-only connection.
#pragma once

#include "../view.hpp"

#include "view/request_feed.hpp"

#include <memory>
#include <string>

namespace rm::ui {

class RequestsView : public View {
  public:
    explicit RequestsView(InspectorContext& ctx);
    ~RequestsView() override;

    // Changes whenever something visible changed (the Inspector redraws only then).
    uint64_t version() const { return m_feed ? m_feed->version() + m_local_version : 0; }
    // Null until the tab was drawn once, or when the database could not be opened.
    RequestFeed* feed() { return m_feed.get(); }
    const std::string& open_error() const { return m_open_error; }
    bool following() const { return m_follow; }
    // Keyboard: moves the selection by delta rows.
    void move_selection(int delta);

  protected:
    void draw_content() override;

  private:
    struct Parsed; // the selected request, parsed once per selection
    void open_feed();
    void draw_filters();
    void draw_table(ImVec2 size);
    void keys();
    // requests_view_detail.cpp: the selected request.
    void draw_detail();
    void draw_body_tab();
    void draw_headers_tab();
    void draw_answer_tab();
    void draw_delivery_tab();
    void refresh();

    std::unique_ptr<RequestFeed> m_feed;
    bool m_tried_open = false;
    std::string m_open_error;
    std::unique_ptr<Parsed> m_parsed;

    RequestQuery m_query;
    std::string m_code_text;
    float m_split = 0.55f; // the table's share of the height
    bool m_follow = true;  // scrolled to the bottom: keep showing the newest
    bool m_scroll_to_selection = false;
    size_t m_last_size = 0;
    uint64_t m_local_version = 0;
};

} // namespace rm::ui
