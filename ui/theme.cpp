#include "theme.hpp"

namespace rm::ui {

namespace {
Theme g_theme = Theme::dark;

ImVec4 rgb(int r, int g, int b, float a = 1.0f) {
    return ImVec4(static_cast<float>(r) / 255.0f, static_cast<float>(g) / 255.0f,
                  static_cast<float>(b) / 255.0f, a);
}
} // namespace

void apply_theme(Theme theme, float scale) {
    g_theme = theme;
    ImGuiStyle& s = ImGui::GetStyle();
    s = ImGuiStyle();
    if (theme == Theme::dark) {
        ImGui::StyleColorsDark(&s);
        ImVec4* c = s.Colors;
        c[ImGuiCol_WindowBg] = rgb(24, 26, 31);
        c[ImGuiCol_ChildBg] = rgb(24, 26, 31);
        c[ImGuiCol_PopupBg] = rgb(32, 35, 42);
        c[ImGuiCol_FrameBg] = rgb(38, 42, 51);
        c[ImGuiCol_FrameBgHovered] = rgb(48, 53, 64);
        c[ImGuiCol_FrameBgActive] = rgb(56, 62, 75);
        c[ImGuiCol_TitleBgActive] = rgb(32, 35, 42);
        c[ImGuiCol_Header] = rgb(45, 72, 110);
        c[ImGuiCol_HeaderHovered] = rgb(52, 84, 128);
        c[ImGuiCol_HeaderActive] = rgb(60, 96, 146);
        c[ImGuiCol_Button] = rgb(44, 49, 60);
        c[ImGuiCol_ButtonHovered] = rgb(56, 63, 78);
        c[ImGuiCol_ButtonActive] = rgb(66, 74, 92);
        c[ImGuiCol_Tab] = rgb(32, 35, 42);
        c[ImGuiCol_TabHovered] = rgb(52, 84, 128);
        c[ImGuiCol_TabActive] = rgb(45, 72, 110);
        c[ImGuiCol_TableHeaderBg] = rgb(32, 35, 42);
        c[ImGuiCol_TableRowBgAlt] = rgb(28, 30, 36);
        c[ImGuiCol_Border] = rgb(50, 54, 64);
        c[ImGuiCol_Separator] = rgb(50, 54, 64);
        c[ImGuiCol_Text] = rgb(222, 226, 232);
        c[ImGuiCol_TextDisabled] = rgb(128, 134, 146);
    } else {
        ImGui::StyleColorsLight(&s);
        ImVec4* c = s.Colors;
        c[ImGuiCol_WindowBg] = rgb(248, 249, 251);
        c[ImGuiCol_ChildBg] = rgb(248, 249, 251);
        c[ImGuiCol_TableRowBgAlt] = rgb(240, 242, 246);
        c[ImGuiCol_Header] = rgb(198, 218, 245);
        c[ImGuiCol_HeaderHovered] = rgb(180, 206, 240);
    }
    s.WindowRounding = 0;
    s.FrameRounding = 3;
    s.TabRounding = 3;
    s.GrabRounding = 3;
    s.ScrollbarRounding = 3;
    s.FramePadding = ImVec2(8, 4);
    s.ItemSpacing = ImVec2(8, 6);
    s.CellPadding = ImVec2(6, 3);
    s.WindowPadding = ImVec2(10, 8);
    s.WindowBorderSize = 0;
    s.ScaleAllSizes(scale);
}

ImVec4 type_colour(std::string_view type) {
    const bool dark = g_theme == Theme::dark;
    if (type == "track") {
        return dark ? rgb(110, 180, 255) : rgb(20, 90, 200);
    }
    if (type == "identify") {
        return dark ? rgb(190, 150, 255) : rgb(110, 60, 190);
    }
    if (type == "page" || type == "screen") {
        return dark ? rgb(110, 215, 160) : rgb(20, 130, 70);
    }
    if (type == "group") {
        return dark ? rgb(250, 190, 100) : rgb(170, 100, 0);
    }
    if (type == "alias") {
        return dark ? rgb(240, 130, 170) : rgb(180, 40, 100);
    }
    return dark ? rgb(180, 186, 196) : rgb(90, 96, 106);
}

ImVec4 status_colour(int status) {
    const bool dark = g_theme == Theme::dark;
    if (status >= 200 && status < 300) {
        return dark ? rgb(120, 200, 140) : rgb(30, 130, 60);
    }
    if (status == 0 || status >= 500) {
        return dark ? rgb(255, 110, 110) : rgb(190, 30, 30);
    }
    if (status >= 400) {
        return dark ? rgb(255, 180, 90) : rgb(180, 100, 0);
    }
    return muted_colour();
}

ImVec4 muted_colour() {
    return g_theme == Theme::dark ? rgb(128, 134, 146) : rgb(110, 116, 126);
}

ImVec4 warning_colour() {
    return g_theme == Theme::dark ? rgb(255, 196, 80) : rgb(170, 110, 0);
}

ImVec4 accent_colour() {
    return g_theme == Theme::dark ? rgb(110, 180, 255) : rgb(20, 90, 200);
}

} // namespace rm::ui
