#include "export_dialog.hpp"

#include "../theme.hpp"
#include "export/exporter.hpp"
#include "util/plural.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <imgui_stdlib.h>
#include <unistd.h>

namespace rm::ui {

namespace fs = std::filesystem;

namespace {
const char* const k_formats[] = {"ndjson", "json", "har", "curl"};
const char* const k_extensions[] = {".ndjson", ".json", ".har", ".sh"};

// Runs one export into path (through a temporary file renamed at the end, so a failed
// export never leaves a file that looks complete). Returns "" or the error.
std::string export_to_file(const std::string& db, const std::string& filter_text,
                           ExportFormat format, bool normalize, const std::string& path,
                           const ExportProgress& progress) {
    auto reader = Reader::open(db);
    if (!reader) {
        return reader.error().message;
    }
    auto parsed = query::parse(filter_text);
    if (!parsed) {
        return parsed.error().message;
    }
    auto sql = query::compile(*parsed);
    if (!sql) {
        return sql.error().message;
    }
    ExportOptions options;
    options.format = format;
    options.filter = std::move(*sql);
    options.normalize = normalize;
    const std::string tmp = path + ".tmp-" + std::to_string(getpid());
    std::ofstream out(tmp, std::ios::binary);
    if (!out) {
        return "cannot write " + path;
    }
    auto summary = run_export(
        **reader, options,
        [&](std::string_view chunk) {
            out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
            return static_cast<bool>(out);
        },
        progress);
    out.close();
    if (!summary || !out) {
        std::remove(tmp.c_str());
        return summary ? "cannot write " + path : summary.error().message;
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        return "cannot write " + path;
    }
    return "";
}

std::string reader_path(const InspectorContext& ctx) {
    return ctx.file_path.empty() ? ctx.db_path : ctx.file_path;
}
} // namespace

ExportDialog::ExportDialog(InspectorContext& ctx) : m_ctx(ctx) {
    std::error_code ec;
    m_dir = fs::current_path(ec).string();
}

ExportDialog::~ExportDialog() {
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void ExportDialog::open_for_view() {
    m_open = true;
    m_selection_only = false;
    m_error.clear();
    m_name = "ruddermock-export" + std::string(k_extensions[m_format]);
}

void ExportDialog::open_for_selection_as_fixture() {
    if (m_ctx.feed.selected() == 0) {
        return;
    }
    m_open = true;
    m_selection_only = true;
    m_format = 0;
    m_normalize = true;
    m_error.clear();
    m_name = "event-" + std::to_string(m_ctx.feed.selected()) + ".ndjson";
}

void ExportDialog::copy_selection_as_curl() {
    const int64_t id = m_ctx.feed.selected();
    if (id == 0 || m_running.load()) {
        return;
    }
    if (m_thread.joinable()) {
        m_thread.join();
    }
    m_running = true;
    const std::string db = reader_path(m_ctx);
    InspectorContext* ctx = &m_ctx;
    std::atomic<bool>* running = &m_running;
    m_thread = std::thread([db, id, ctx, running] {
        std::string text;
        std::string error;
        auto reader = Reader::open(db);
        auto parsed = query::parse("id:" + std::to_string(id));
        if (!reader || !parsed) {
            error = !reader ? reader.error().message : parsed.error().message;
        } else {
            ExportOptions options;
            options.format = ExportFormat::curl;
            options.filter = query::compile(*parsed).value();
            auto r = run_export(**reader, options, [&](std::string_view chunk) {
                text.append(chunk);
                return true;
            });
            if (!r) {
                error = r.error().message;
            }
        }
        ctx->tasks.post([ctx, running, text, error] {
            *running = false;
            if (error.empty()) {
                ImGui::SetClipboardText(text.c_str());
                ctx->say("the event's request copied as curl", ImGui::GetTime());
            } else {
                ctx->say("copy as curl failed: " + error, ImGui::GetTime(), 6);
            }
        });
    });
}

void ExportDialog::set_format(int format, bool normalize) {
    m_format = std::clamp(format, 0, 3);
    m_normalize = normalize;
}

void ExportDialog::set_target(const std::string& dir, const std::string& name) {
    m_dir = dir;
    m_name = name;
}

std::string ExportDialog::filter() const {
    return m_selection_only ? "id:" + std::to_string(m_ctx.feed.selected())
                            : m_ctx.feed.filter_text();
}

void ExportDialog::export_now() {
    if (!m_running.load() && !m_name.empty()) {
        start(filter(), (fs::path(m_dir) / m_name).string());
    }
}

void ExportDialog::start(const std::string& filter, const std::string& path) {
    if (m_thread.joinable()) {
        m_thread.join();
    }
    m_running = true;
    m_done = 0;
    m_total = 0;
    m_error.clear();
    const std::string db = reader_path(m_ctx);
    const auto format = static_cast<ExportFormat>(m_format);
    const bool normalize = m_normalize;
    InspectorContext* ctx = &m_ctx;
    ExportDialog* self = this;
    m_thread = std::thread([=] {
        std::string error = export_to_file(db, filter, format, normalize, path,
                                           [self](int64_t done, int64_t total) {
                                               self->m_done = done;
                                               self->m_total = total;
                                           });
        ctx->tasks.post([ctx, self, error, path] {
            self->m_running = false;
            if (error.empty()) {
                self->m_open = false;
                ctx->say("exported to " + path, ImGui::GetTime(), 5);
            } else {
                self->m_error = error;
            }
        });
    });
}

void ExportDialog::draw_browser() {
    std::error_code ec;
    fs::path dir(m_dir);
    if (ImGui::SmallButton("..")) {
        m_dir = dir.parent_path().string();
    }
    ImGui::SameLine();
    ImGui::TextColored(muted_colour(), "%s", m_dir.c_str());
    if (ImGui::BeginChild("files", ImVec2(0, ImGui::GetTextLineHeightWithSpacing() * 10), true)) {
        std::vector<fs::directory_entry> entries;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            entries.push_back(e);
        }
        std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
            if (a.is_directory() != b.is_directory()) {
                return a.is_directory();
            }
            return a.path().filename() < b.path().filename();
        });
        for (const auto& e : entries) {
            const std::string name = e.path().filename().string();
            if (!name.empty() && name[0] == '.') {
                continue;
            }
            if (e.is_directory()) {
                if (ImGui::Selectable((name + "/").c_str())) {
                    m_dir = e.path().string();
                }
            } else if (ImGui::Selectable(name.c_str(), name == m_name)) {
                m_name = name;
            }
        }
        if (ec) {
            ImGui::TextColored(status_colour(500), "cannot list: %s", ec.message().c_str());
        }
    }
    ImGui::EndChild();
}

void ExportDialog::draw() {
    if (m_open && !ImGui::IsPopupOpen("Export")) {
        ImGui::OpenPopup("Export");
    }
    ImGui::SetNextWindowSize(ImVec2(640, 0), ImGuiCond_Appearing);
    if (!ImGui::BeginPopupModal("Export", nullptr, 0)) {
        return;
    }
    const std::string filter = this->filter();
    if (m_selection_only) {
        ImGui::Text("The selected event #%lld", static_cast<long long>(m_ctx.feed.selected()));
    } else {
        ImGui::Text("%s of the current view%s%s",
                    counted(m_ctx.feed.size(), "event", "events").c_str(),
                    filter.empty() ? "" : ": ", filter.c_str());
    }
    for (int i = 0; i < 4; ++i) {
        if (ImGui::RadioButton(k_formats[i], m_format == i)) {
            m_format = i;
            m_name = fs::path(m_name).stem().string() + k_extensions[i];
        }
        if (i < 3) {
            ImGui::SameLine();
        }
    }
    ImGui::Checkbox("normalise (stable fixtures: volatile ids and times become placeholders)",
                    &m_normalize);
    draw_browser();
    ImGui::SetNextItemWidth(-1);
    ImGui::InputText("##name", &m_name);
    if (m_running.load()) {
        const int64_t total = m_total.load();
        const float fraction =
            total > 0 ? static_cast<float>(m_done.load()) / static_cast<float>(total) : 0.0f;
        ImGui::ProgressBar(fraction, ImVec2(-1, 0),
                           (std::to_string(m_done.load()) + " / " + std::to_string(total)).c_str());
    } else {
        if (ImGui::Button("Export")) {
            export_now();
        }
        ImGui::SameLine();
        if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
            m_open = false;
            ImGui::CloseCurrentPopup();
        }
    }
    if (!m_error.empty()) {
        ImGui::TextColored(status_colour(500), "%s", m_error.c_str());
    }
    if (!m_open) {
        ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
}

} // namespace rm::ui
