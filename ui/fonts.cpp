#include "fonts.hpp"

#include <imgui.h>

// The font files are assembled into the binary as they are (no generated C arrays).
// RUDDERMOCK_ASSETS_DIR is set by CMake; the object depends on the files (OBJECT_DEPENDS).
#define RM_STR2(x) #x
#define RM_STR(x) RM_STR2(x)
__asm__(".section .rodata\n"
        ".balign 16\n"
        ".global rm_font_sans\n"
        "rm_font_sans:\n"
        ".incbin \"" RM_STR(
            RUDDERMOCK_ASSETS_DIR) "/DejaVuSans.ttf\"\n"
                                   ".global rm_font_sans_end\n"
                                   "rm_font_sans_end:\n"
                                   ".balign 16\n"
                                   ".global rm_font_mono\n"
                                   "rm_font_mono:\n"
                                   ".incbin \"" RM_STR(
                                       RUDDERMOCK_ASSETS_DIR) "/DejaVuSansMono.ttf\"\n"
                                                              ".global rm_font_mono_end\n"
                                                              "rm_font_mono_end:\n"
                                                              ".previous\n");

extern "C" {
extern const unsigned char rm_font_sans[];
extern const unsigned char rm_font_sans_end[];
extern const unsigned char rm_font_mono[];
extern const unsigned char rm_font_mono_end[];
}

namespace rm::ui {

Fonts load_fonts(float size_px, float scale) {
    ImGuiIO& io = ImGui::GetIO();
    ImFontConfig cfg;
    cfg.FontDataOwnedByAtlas = false; // the bytes live in the binary
    cfg.OversampleH = 2;
    // Latin, Greek, Cyrillic and general punctuation: what event payloads usually hold.
    static const ImWchar k_ranges[] = {0x0020, 0x024F, 0x0370, 0x03FF, 0x0400, 0x04FF, 0x2000,
                                       0x206F, 0x2190, 0x21FF, 0x25A0, 0x25FF, 0};
    Fonts f;
    f.text = io.Fonts->AddFontFromMemoryTTF(const_cast<unsigned char*>(rm_font_sans),
                                            static_cast<int>(rm_font_sans_end - rm_font_sans),
                                            size_px * scale, &cfg, k_ranges);
    f.mono = io.Fonts->AddFontFromMemoryTTF(const_cast<unsigned char*>(rm_font_mono),
                                            static_cast<int>(rm_font_mono_end - rm_font_mono),
                                            (size_px - 1) * scale, &cfg, k_ranges);
    return f;
}

} // namespace rm::ui
