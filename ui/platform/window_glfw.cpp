#include "window_glfw.hpp"

#include "../fonts.hpp"
#include "../panels/events_table.hpp"
#include "../theme.hpp"

#include <GLFW/glfw3.h>
#include <algorithm>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <cstdio>
#include <ctime>
#include <imgui.h>
#include <vector>

extern "C" int stbi_write_png(char const* filename, int w, int h, int comp, const void* data,
                              int stride_in_bytes);

namespace rm::ui {

namespace {
std::atomic<bool> g_activity{false};
std::string g_glfw_error;

void on_error(int, const char* text) {
    g_glfw_error = text ? text : "unknown GLFW error";
}
// Installed before ImGui's backend, which chains to them: any input means "draw".
void on_key(GLFWwindow* window, int key, int, int action, int mods) {
    g_activity = true;
    // Ctrl+Q here, not through ImGui: 1.86 keeps only key state per frame, so a press and
    // release that arrive between two frames of an idle window would be missed.
    if (key == GLFW_KEY_Q && (mods & GLFW_MOD_CONTROL) != 0 && action == GLFW_PRESS) {
        glfwSetWindowShouldClose(window, 1);
    }
}
void on_char(GLFWwindow*, unsigned int) {
    g_activity = true;
}
void on_mouse(GLFWwindow*, int, int, int) {
    g_activity = true;
}
void on_scroll(GLFWwindow*, double, double) {
    g_activity = true;
}
void on_cursor(GLFWwindow*, double, double) {
    g_activity = true;
}
void on_focus(GLFWwindow*, int) {
    g_activity = true;
}
void on_size(GLFWwindow*, int, int) {
    g_activity = true;
}

// CPU time of the calling thread, in milliseconds (a frame's own work, not the wait).
double thread_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

void print_frame_stats(std::vector<double> ms, double seconds) {
    if (ms.empty()) {
        std::fprintf(stderr, "ruddermock: no frames drawn\n");
        return;
    }
    double sum = 0;
    for (double v : ms) {
        sum += v;
    }
    std::sort(ms.begin(), ms.end());
    const size_t p99 = std::min(ms.size() - 1, ms.size() * 99 / 100);
    std::fprintf(stderr,
                 "ruddermock: %zu frames drawn in %.1f s; UI thread CPU per frame (ImGui, "
                 "panels, GL submission): mean %.2f ms, p99 %.2f ms, max %.2f ms\n",
                 ms.size(), seconds, sum / static_cast<double>(ms.size()), ms[p99], ms.back());
}

bool save_png(const std::string& path, int width, int height) {
    std::vector<unsigned char> pixels(static_cast<size_t>(width) * height * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
    // OpenGL's rows go bottom-up; PNG's top-down: write with a negative stride.
    const int stride = width * 4;
    return stbi_write_png(path.c_str(), width, height, 4,
                          pixels.data() + static_cast<size_t>(stride) * (height - 1), -stride) != 0;
}
} // namespace

bool display_available(std::string& why) {
    glfwSetErrorCallback(on_error);
    if (!glfwInit()) {
        why = g_glfw_error.empty() ? "no display" : g_glfw_error;
        return false;
    }
    glfwTerminate();
    return true;
}

int run_glfw_loop(Settings& settings, MainThreadQueue& tasks, const LoopOptions& options,
                  const std::function<InspectorContext(const Fonts&)>& make_context,
                  const std::atomic<bool>& stop) {
    glfwSetErrorCallback(on_error);
    if (!glfwInit()) {
        std::fprintf(stderr, "ruddermock: cannot open a window: %s\n", g_glfw_error.c_str());
        return 2;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
    // No larger than the screen's work area (a 1440 x 900 default on a 1366 x 768 laptop, or
    // under a smaller virtual display, put the right edge of every panel off the screen).
    if (GLFWmonitor* monitor = glfwGetPrimaryMonitor()) {
        int x = 0, y = 0, w = 0, h = 0;
        glfwGetMonitorWorkarea(monitor, &x, &y, &w, &h);
        if (w > 0 && h > 0) {
            settings.window_width = std::min(settings.window_width, w);
            settings.window_height = std::min(settings.window_height, h);
        }
    }
    GLFWwindow* window = glfwCreateWindow(settings.window_width, settings.window_height,
                                          options.title.c_str(), nullptr, nullptr);
    if (!window) {
        std::fprintf(stderr, "ruddermock: cannot open a window: %s\n", g_glfw_error.c_str());
        glfwTerminate();
        return 2;
    }
    glfwMakeContextCurrent(window);
    glfwSwapInterval(1);
    glfwSetKeyCallback(window, on_key);
    glfwSetCharCallback(window, on_char);
    glfwSetMouseButtonCallback(window, on_mouse);
    glfwSetScrollCallback(window, on_scroll);
    glfwSetCursorPosCallback(window, on_cursor);
    glfwSetWindowFocusCallback(window, on_focus);
    glfwSetFramebufferSizeCallback(window, on_size);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    const std::string ini = options.config_dir.empty() ? "" : options.config_dir + "/imgui.ini";
    io.IniFilename = ini.empty() ? nullptr : ini.c_str();
    float scale = settings.font_scale;
    if (scale <= 0) {
        float sx = 1, sy = 1;
        glfwGetWindowContentScale(window, &sx, &sy);
        scale = std::clamp(std::max(sx, sy), 1.0f, 3.0f);
    }
    apply_theme(settings.light_theme ? Theme::light : Theme::dark, scale);
    Fonts fonts = load_fonts(16.0f, scale);
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    ImGui_ImplOpenGL3_Init("#version 130");
    tasks.set_waker([] { glfwPostEmptyEvent(); });

    int code = 0;
    std::vector<double> frame_ms; // --frame-stats: the UI thread's CPU per drawn frame
    {
        InspectorContext made = make_context(fonts);
        made.scale = scale;
        Inspector inspector(std::move(made));
        int owed_frames = 3; // ImGui settles layout over a couple of frames
        bool screenshot_done = false;
        int loaded_frames = 0;
        std::string title;
        frame_ms.reserve(4096);
        while (!glfwWindowShouldClose(window) && !stop.load()) {
            const bool typing = io.WantTextInput;
            if (owed_frames > 0) {
                glfwPollEvents();
            } else {
                glfwWaitEventsTimeout(typing ? 0.25 : 0.5);
            }
            if (g_activity.exchange(false)) {
                owed_frames = std::max(owed_frames, 3);
            }
            tasks.run_pending();
            InspectorContext& ctx = inspector.context();
            if (inspector.wants_frame()) {
                owed_frames = std::max(owed_frames, 2); // new content: tab bars lay out in two
            } else if (owed_frames == 0 && !typing) {
                ctx.feed.tick(); // queries the last frame asked for go out even when idle
                continue;
            }
            owed_frames = std::max(0, owed_frames - 1);
            const double cpu_start = thread_cpu_ms();
            ImGui_ImplOpenGL3_NewFrame();
            ImGui_ImplGlfw_NewFrame();
            ImGui::NewFrame();
            inspector.frame();
            ImGui::Render();
            int width = 0, height = 0;
            glfwGetFramebufferSize(window, &width, &height);
            glViewport(0, 0, width, height);
            const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
            glClearColor(bg.x, bg.y, bg.z, 1);
            glClear(GL_COLOR_BUFFER_BIT);
            ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
            if (options.window.frame_stats) {
                frame_ms.push_back(thread_cpu_ms() - cpu_start);
            }
            if (!options.window.screenshot_path.empty() && !screenshot_done) {
                // Waits for the data: the search done, the selection's detail loaded.
                EventFeed& feed = ctx.feed;
                if (!feed.searching() && feed.size() > 0 && feed.selected() == 0) {
                    int64_t id = options.window.select_event > 0 ? options.window.select_event
                                                                 : feed.id_at(feed.size() - 1);
                    feed.select(id);
                }
                const bool ready =
                    !feed.searching() && (feed.size() == 0 || feed.detail() != nullptr);
                loaded_frames = ready ? loaded_frames + 1 : 0;
                owed_frames = std::max(owed_frames, 1);
                if (loaded_frames >= 4) {
                    bool ok = save_png(options.window.screenshot_path, width, height);
                    std::fprintf(stderr, "ruddermock: %s %s\n",
                                 ok ? "saved screenshot" : "cannot write screenshot",
                                 options.window.screenshot_path.c_str());
                    code = ok ? 0 : 2;
                    screenshot_done = true;
                    glfwSetWindowShouldClose(window, 1);
                }
            }
            glfwSwapBuffers(window);
            if (std::string t = inspector.window_title(); t != title) {
                title = t;
                glfwSetWindowTitle(window, title.c_str());
            }
            if (ctx.quit_requested) {
                glfwSetWindowShouldClose(window, 1);
            }
        }
        glfwGetWindowSize(window, &settings.window_width, &settings.window_height);
    }
    if (options.window.frame_stats) {
        print_frame_stats(frame_ms, ImGui::GetTime());
    }
    tasks.set_waker({});
    tasks.run_pending(); // tasks posted for the inspector are dropped with it (see EventFeed)
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
    return code;
}

} // namespace rm::ui
