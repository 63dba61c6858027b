// Test support for the inspector: Dear ImGui frames with no window and no renderer (as
// ImGui's "null" example runs them), over a real server's database, so panels are tested
// headless: their state after input, not their pixels.
#pragma once

#include "faults/fault_engine.hpp"
#include "storage/store.hpp"
#include "support/test_server.hpp"
#include "ui/fonts.hpp"
#include "ui/inspector.hpp"
#include "ui/settings.hpp"
#include "util/task_queue.hpp"
#include "view/event_feed.hpp"

#include <chrono>
#include <functional>
#include <imgui.h>
#include <memory>
#include <thread>

namespace rm::test {

// An ImGui context sized like a laptop screen, fonts built, keys mapped to fixed indices.
class ImGuiHarness {
  public:
    ImGuiHarness() {
        ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.DisplaySize = ImVec2(1440, 900);
        io.IniFilename = nullptr;
        io.DeltaTime = 1.0f / 60.0f;
        for (int k = 0; k < ImGuiKey_COUNT; ++k) {
            io.KeyMap[k] = 256 + k; // past the ASCII range, so '/' stays '/'
        }
        fonts = ui::load_fonts(16.0f, 1.0f);
        unsigned char* pixels = nullptr;
        int w = 0;
        int h = 0;
        io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    }
    ~ImGuiHarness() { ImGui::DestroyContext(); }
    ImGuiHarness(const ImGuiHarness&) = delete;
    ImGuiHarness& operator=(const ImGuiHarness&) = delete;

    void frame(ui::Inspector& inspector) {
        ImGui::GetIO().DeltaTime = 1.0f / 60.0f;
        ImGui::NewFrame();
        inspector.frame();
        ImGui::Render();
    }
    // Presses a key (an ImGuiKey_ or a character code) for one frame.
    void press(ui::Inspector& inspector, int key, bool ctrl = false) {
        ImGuiIO& io = ImGui::GetIO();
        const int index = key < ImGuiKey_COUNT ? io.KeyMap[key] : key;
        io.KeyCtrl = ctrl;
        io.KeysDown[index] = true;
        frame(inspector);
        io.KeysDown[index] = false;
        io.KeyCtrl = false;
        frame(inspector);
    }

    // Clicks the left button at a point (screen pixels): moves there, then down and up.
    void click(ui::Inspector& inspector, ImVec2 at) {
        ImGuiIO& io = ImGui::GetIO();
        io.MousePos = at;
        frame(inspector);
        io.MouseDown[0] = true;
        frame(inspector);
        io.MouseDown[0] = false;
        frame(inspector);
    }

    ui::Fonts fonts;
};

// A live server, its feed and an Inspector over it, as the window would have them.
struct LiveInspector {
    TestServer server;
    MainThreadQueue tasks;
    std::unique_ptr<EventFeed> feed;
    ui::Settings settings;
    std::unique_ptr<ui::Inspector> inspector;

    explicit LiveInspector(ImGuiHarness& imgui, Config config = TestServer::default_config())
        : server(std::move(config)) {
        auto opened = EventFeed::open(server.app().store().path(), &server.app().store(), tasks);
        if (!opened) {
            throw std::runtime_error(opened.error().message);
        }
        feed = std::move(*opened);
        ui::InspectorContext ctx(*feed, tasks, settings, imgui.fonts);
        ctx.store = &server.app().store();
        ctx.faults = &server.app().faults();
        ctx.url = server.app().url();
        ctx.db_path = server.app().db_path();
        ctx.file_path = server.app().store().path();
        inspector = std::make_unique<ui::Inspector>(std::move(ctx));
    }

    // Runs frames (and the tasks workers post) until done() or the timeout; returns done().
    bool pump(ImGuiHarness& imgui, const std::function<bool()>& done, int timeout_ms = 5000) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (std::chrono::steady_clock::now() < deadline) {
            tasks.run_pending();
            imgui.frame(*inspector);
            if (done()) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return done();
    }
};

} // namespace rm::test
