// The inspector: every panel of the window, laid out in one full-window ImGui window, plus
// the keyboard shortcuts. Knows nothing of GLFW or OpenGL: the platform layer
// (platform/window_glfw.cpp) and the headless tests call frame() between NewFrame and
// Render.
#pragma once

#include "context.hpp"

#include <memory>
#include <vector>

namespace rm::ui {

class StatusBar;
class FilterBar;
class EventsTable;
class DetailPane;
class RequestsView;
class View;
class ExportDialog;
class DiffView;

class Inspector {
  public:
    explicit Inspector(InspectorContext ctx);
    ~Inspector();

    // Draws one frame of the whole window (the feed is ticked first).
    void frame();
    // True when the next frame would differ from the last one (new rows, a finished query,
    // a message expiring): the platform layer draws only then, or on input.
    bool wants_frame() const;

    InspectorContext& context() { return m_ctx; }
    // "ruddermock - URL - N events": the events in the table, so a glance at the taskbar (or
    // a test with xdotool) sees traffic arrive.
    std::string window_title() const;
    FilterBar& filter_bar() { return *m_filter; }
    EventsTable& events_table() { return *m_table; }
    DetailPane& detail_pane() { return *m_detail; }
    StatusBar& status_bar() { return *m_status; }
    RequestsView& requests_view() { return *m_requests; }
    DiffView& diff_view() { return *m_diff; }
    ExportDialog& export_dialog() { return *m_export; }
    // The tab shown in the last frame: "Events", "Requests", "Faults", "Stats" or "Diff".
    const std::string& active_tab() const { return m_active_tab; }

    // The tabs beside "Events" (requests, faults, stats, diff), in order.
    struct Tab {
        const char* title;
        std::unique_ptr<View> view;
    };

  private:
    void shortcuts();
    void draw_events_tab();

    InspectorContext m_ctx;
    std::unique_ptr<StatusBar> m_status;
    std::unique_ptr<FilterBar> m_filter;
    std::unique_ptr<EventsTable> m_table;
    std::unique_ptr<DetailPane> m_detail;
    std::unique_ptr<ExportDialog> m_export;
    std::vector<Tab> m_tabs;
    uint64_t m_drawn_version = 0;
    double m_message_shown_until = 0;
    RequestsView* m_requests = nullptr; // owned by m_tabs; its feed's version wakes frames
    uint64_t m_requests_drawn = 0;
    DiffView* m_diff = nullptr; // owned by m_tabs
    std::string m_active_tab = "Events";
};

} // namespace rm::ui
