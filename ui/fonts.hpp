// The fonts embedded in the binary (assets/*.ttf, see fonts.cpp) and their loading into
// ImGui's atlas at a DPI scale.
#pragma once

struct ImFont;

namespace rm::ui {

struct Fonts {
    ImFont* text = nullptr; // DejaVu Sans
    ImFont* mono = nullptr; // DejaVu Sans Mono: JSON, headers, bodies
};

// Adds both fonts at size_px * scale to the current ImGui context's atlas. Call before the
// atlas is built (before the first frame).
Fonts load_fonts(float size_px, float scale);

} // namespace rm::ui
