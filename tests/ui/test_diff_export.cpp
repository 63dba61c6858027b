// The diff tab and the export dialog driven headless: two events compared by JSON path (and
// an event against a fixture line), the selection saved as a fixture and the filtered view
// exported, through the dialog's own export path (a thread and the main-thread queue).
#include "export/export_support.hpp"
#include "ui/panels/diff_view.hpp"
#include "ui/panels/export_dialog.hpp"
#include "ui/panels/filter_bar.hpp"
#include "ui_harness.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace rm;

namespace {
void post(test::TestServer& srv, const std::string& body) {
    auto r = srv.post("/v1/track", "wk-diff", body);
    REQUIRE(r);
    REQUIRE(r->status == 200);
}

bool has(const std::vector<std::string>& paths, const std::string& path) {
    return std::find(paths.begin(), paths.end(), path) != paths.end();
}

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
} // namespace

TEST_CASE("the diff tab compares two events by JSON path - and an event with a fixture line",
          "[ui][diff]") {
    test::ImGuiHarness imgui;
    test::LiveInspector live(imgui);
    post(live.server, R"({"userId":"u1","event":"Order","messageId":"m1",)"
                      R"("properties":{"total":10,"coupon":"A","sku":"s"}})");
    post(live.server, R"({"userId":"u1","event":"Order","messageId":"m2",)"
                      R"("properties":{"total":12,"sku":"s","gift":true}})");
    REQUIRE(live.pump(imgui, [&] { return live.feed->size() == 2; }));
    auto& ctx = live.inspector->context();
    ctx.diff_left = live.feed->id_at(0);
    ctx.diff_right = live.feed->id_at(1);
    ctx.open_tab = "Diff";
    auto& diff = live.inspector->diff_view();
    REQUIRE(live.pump(imgui, [&] { return diff.difference_count() >= 0; }));
    const auto paths = diff.differing_paths();
    CHECK(has(paths, "properties.total"));  // changed
    CHECK(has(paths, "properties.coupon")); // only left
    CHECK(has(paths, "properties.gift"));   // only right
    CHECK(has(paths, "messageId"));         // two messageIds, two placeholders
    CHECK_FALSE(has(paths, "properties.sku"));
    CHECK_FALSE(has(paths, "receivedAt")); // normalised on both sides
    CHECK(diff.difference_count() == static_cast<int>(paths.size()));

    // The left event against a fixture line of itself, as exported: no difference.
    const auto left = live.server.admin_json("/_mock/events?limit=1")["events"][0]["payload"];
    diff.set_fixture(left.dump());
    REQUIRE(live.pump(imgui, [&] { return diff.difference_count() >= 0; }));
    CHECK(diff.difference_count() == 0);
}

TEST_CASE("the export dialog saves the selection as a fixture and the filtered view",
          "[ui][export]") {
    test::ImGuiHarness imgui;
    test::LiveInspector live(imgui);
    test::TempDir dir("ui-export");
    post(live.server, R"({"userId":"alice","event":"One","messageId":"m1"})");
    post(live.server, R"({"userId":"bob","event":"Two","messageId":"m2"})");
    post(live.server, R"({"userId":"bob","event":"Three","messageId":"m3"})");
    REQUIRE(live.pump(imgui, [&] { return live.feed->size() == 3; }));
    imgui.press(*live.inspector, ImGuiKey_UpArrow); // the newest, "Three"
    REQUIRE(live.pump(imgui, [&] { return live.feed->detail() != nullptr; }));

    auto& dialog = live.inspector->export_dialog();
    dialog.open_for_selection_as_fixture();
    CHECK(dialog.is_open());
    dialog.set_target(dir.path.string(), "fixture.ndjson");
    dialog.export_now();
    REQUIRE(live.pump(imgui, [&] { return !dialog.running() && !dialog.is_open(); }));
    CHECK(dialog.error().empty());
    const std::string fixture = slurp(dir / "fixture.ndjson");
    CHECK(std::count(fixture.begin(), fixture.end(), '\n') == 1);
    CHECK(fixture.find(R"("event":"Three")") != std::string::npos);
    CHECK(fixture.find(R"("messageId":"<messageId-1>")") != std::string::npos); // normalised

    // The view filtered to bob, as HAR (his two requests), not normalised.
    live.inspector->filter_bar().set_text("user:bob");
    REQUIRE(live.pump(imgui, [&] { return !live.feed->searching() && live.feed->size() == 2; }));
    dialog.open_for_view();
    dialog.set_format(2, false);
    dialog.set_target(dir.path.string(), "bob.har");
    dialog.export_now();
    REQUIRE(live.pump(imgui, [&] { return !dialog.running() && !dialog.is_open(); }));
    const auto har = nlohmann::json::parse(slurp(dir / "bob.har"));
    REQUIRE(har["log"]["entries"].size() == 2);
    CHECK(har["log"]["entries"][0]["request"]["postData"]["text"].get<std::string>().find(
              "\"m2\"") != std::string::npos);

    // A folder that does not exist: the dialog stays open with the error.
    dialog.open_for_view();
    dialog.set_target(dir / "missing/deeper", "x.ndjson");
    dialog.export_now();
    REQUIRE(live.pump(imgui, [&] { return !dialog.running(); }));
    live.pump(
        imgui, [] { return false; }, 50);
    CHECK(dialog.is_open());
    CHECK_FALSE(dialog.error().empty());
}
