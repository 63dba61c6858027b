// Export from the window: the filtered view or the selected event to NDJSON/JSON/HAR/curl,
// normalised or not, into a file picked in an ImGui-drawn file dialog, with progress. The
// export runs on its own thread with its own read-only connection (export/exporter.hpp);
// it reports back through the main-thread task queue. Also "copy as curl" and "save as
// fixture" for the selected event.
#pragma once

#include "../view.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace rm::ui {

class ExportDialog {
  public:
    explicit ExportDialog(InspectorContext& ctx);
    ~ExportDialog(); // waits for a running export

    // Opens the dialog: the filtered view, or only the selected event ("save as fixture":
    // normalised NDJSON).
    void open_for_view();
    void open_for_selection_as_fixture();
    // Copies the selected event's request as a curl command (runs off the UI thread).
    void copy_selection_as_curl();
    void draw(); // every frame (draws only while open)
    bool running() const { return m_running.load(); }

    // What the dialog's controls set, for tests and callers that know the file already:
    // the format (0 ndjson, 1 json, 2 har, 3 curl), normalisation, the folder and file name,
    // and the Export button. The dialog closes when the export succeeds.
    void set_format(int format, bool normalize);
    void set_target(const std::string& dir, const std::string& name);
    void export_now();
    bool is_open() const { return m_open; }
    const std::string& error() const { return m_error; }

  private:
    struct Job;
    void start(const std::string& filter, const std::string& path);
    std::string filter() const; // the selected event's id, or the view's filter
    void draw_browser();

    InspectorContext& m_ctx;
    bool m_open = false;
    bool m_selection_only = false;
    int m_format = 0; // ndjson, json, har, curl
    bool m_normalize = false;
    std::string m_dir;
    std::string m_name;
    std::string m_error;
    std::atomic<bool> m_running{false};
    std::atomic<int64_t> m_done{0};
    std::atomic<int64_t> m_total{0};
    std::thread m_thread;
};

} // namespace rm::ui
