// The inspector's look: a dark theme (default) and a light one, plus the colours that carry
// meaning (event types, statuses, badges), shared by every panel.
#pragma once

#include <imgui.h>
#include <string_view>

namespace rm::ui {

enum class Theme { dark, light };

void apply_theme(Theme theme, float scale);
ImVec4 type_colour(std::string_view type);
ImVec4 status_colour(int status);
ImVec4 muted_colour();
ImVec4 warning_colour();
ImVec4 accent_colour();

} // namespace rm::ui
