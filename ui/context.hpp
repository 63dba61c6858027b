// What every panel of the inspector shares: the core objects it reads and drives, the
// settings, and small UI-wide state (the transient message line, the diff's pinned side).
// Owned by the Inspector; panels hold a reference.
#pragma once

#include "fonts.hpp"
#include "settings.hpp"

#include "util/task_queue.hpp"
#include "view/event_feed.hpp"

#include <string>

namespace rm {
class FaultEngine;
class Store;
} // namespace rm

namespace rm::ui {

class ExportDialog;

struct InspectorContext {
    InspectorContext(EventFeed& f, MainThreadQueue& t, Settings& s, Fonts fo)
        : feed(f), tasks(t), settings(s), fonts(fo) {}

    EventFeed& feed;
    MainThreadQueue& tasks;
    Settings& settings;
    Fonts fonts;
    float scale = 1.0f; // the UI's DPI scale (the theme's sizes are scaled by it)
    // Live mode (the server runs in this process); all null/empty with --open.
    Store* store = nullptr;
    FaultEngine* faults = nullptr;
    std::string url;
    std::string profile;
    std::string db_path;   // as shown (":memory: (/dev/shm/...)")
    std::string file_path; // the database file itself, for the panels' own readers
    bool read_only = false;

    // A one-line message shown in the status bar for a few seconds ("copied", "exported").
    std::string message;
    double message_until = 0;
    void say(std::string text, double now, double seconds = 3.0) {
        message = std::move(text);
        message_until = now + seconds;
    }
    // Asks the events tab to focus the filter bar (the '/' shortcut).
    bool focus_filter = false;
    // The diff view's left side, pinned from the detail pane (0 = none).
    int64_t diff_left = 0;
    int64_t diff_right = 0;
    // A tab to bring to the front on the next frame ("Diff" after pinning, a test's choice).
    std::string open_tab;
    // A request for the Requests tab to select (an attempt clicked in the Delivery tab of an
    // event's detail; 0 = none). Set open_tab = "Requests" with it.
    int64_t open_request = 0;
    // A tab of the event detail pane to bring to the front ("Event", "Request", "Delivery",
    // "Lint"; a test's choice), as open_tab does for the main tabs.
    std::string open_detail_tab;
    // A filter a panel asks for (the filter bar applies it on its next frame).
    std::string pending_filter;
    // Ctrl+Q: the platform layer closes the window (as the close button does).
    bool quit_requested = false;
    // Export, "copy as curl" and "save as fixture" (owned by the Inspector).
    ExportDialog* exporter = nullptr;
};

} // namespace rm::ui
