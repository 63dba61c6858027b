// The inspector's panels driven headless: events appear, the filter bar parses and applies,
// selection and its detail (its Delivery tab), pause, keyboard shortcuts.
#include "ui/panels/detail_pane.hpp"
#include "ui/panels/events_table.hpp"
#include "ui/panels/filter_bar.hpp"
#include "ui/panels/requests_view.hpp"
#include "ui_harness.hpp"

#include <catch2/catch.hpp>

using namespace rm;

namespace {
void post_track(test::TestServer& srv, const std::string& user, const std::string& name) {
    auto r =
        srv.post("/v1/track", "wk-ui", R"({"userId":")" + user + R"(","event":")" + name + R"("})");
    REQUIRE(r);
    REQUIRE(r->status == 200);
}
} // namespace

TEST_CASE("events posted to the server appear in the table - newest last", "[ui]") {
    test::ImGuiHarness imgui;
    test::LiveInspector live(imgui);
    CHECK(live.pump(imgui, [&] { return !live.feed->searching(); }));
    CHECK(live.feed->size() == 0);
    post_track(live.server, "u1", "First");
    post_track(live.server, "u2", "Second");
    REQUIRE(live.pump(imgui, [&] { return live.feed->size() == 2; }));
    // Rows are fetched for what the table shows.
    REQUIRE(live.pump(imgui, [&] { return live.feed->row(1) != nullptr; }));
    CHECK(live.feed->row(0)->event == "First");
    CHECK(live.feed->row(1)->event == "Second");
    CHECK(live.feed->row(1)->status == 200);
    CHECK(live.inspector->events_table().following());
    REQUIRE(live.pump(imgui, [&] { return live.feed->totals().events == 2; }));
}

TEST_CASE("the filter bar shows parse errors at their position and applies valid filters", "[ui]") {
    test::ImGuiHarness imgui;
    test::LiveInspector live(imgui);
    post_track(live.server, "alice", "Signed Up");
    post_track(live.server, "bob", "Signed Up");
    auto& bar = live.inspector->filter_bar();
    bar.set_text("type:");
    CHECK_FALSE(bar.error().empty());
    CHECK(bar.error_position() > 0);
    CHECK(bar.error().find("position") != std::string::npos);
    bar.set_text("user:bob");
    CHECK(bar.error().empty());
    REQUIRE(live.pump(imgui, [&] { return !live.feed->searching() && live.feed->size() == 1; }));
    REQUIRE(live.pump(imgui, [&] { return live.feed->row(0) != nullptr; }));
    CHECK(live.feed->row(0)->user_id == "bob");
    // Esc clears it (outside a text field).
    live.pump(imgui, [] { return true; });
    imgui.press(*live.inspector, ImGuiKey_Escape);
    CHECK(bar.text().empty());
    REQUIRE(live.pump(imgui, [&] { return !live.feed->searching() && live.feed->size() == 2; }));
    CHECK(live.settings.filter_history.back() == "user:bob"); // history for up/down
}

TEST_CASE("arrows move the selection - its detail loads - Ctrl+C copies the event", "[ui]") {
    test::ImGuiHarness imgui;
    test::LiveInspector live(imgui);
    post_track(live.server, "u1", "One");
    post_track(live.server, "u1", "Two");
    REQUIRE(live.pump(imgui, [&] { return live.feed->size() == 2; }));
    imgui.press(*live.inspector, ImGuiKey_UpArrow); // nothing selected: the newest
    REQUIRE(live.pump(imgui, [&] { return live.feed->detail() != nullptr; }));
    CHECK(live.feed->detail()->event.event_name == "Two");
    imgui.press(*live.inspector, ImGuiKey_UpArrow);
    REQUIRE(live.pump(imgui, [&] {
        return live.feed->detail() && live.feed->detail()->event.event_name == "One";
    }));
    REQUIRE(live.feed->detail()->request);
    CHECK(live.feed->detail()->request->record.path == "/v1/track");
    live.pump(imgui, [&] { return !live.inspector->detail_pane().event_text().empty(); });
    CHECK(live.inspector->detail_pane().event_text().find("\"One\"") != std::string::npos);
    imgui.press(*live.inspector, ImGuiKey_C, true);
    const char* clip = ImGui::GetClipboardText();
    REQUIRE(clip);
    CHECK(std::string(clip).find("\"One\"") != std::string::npos);
}

TEST_CASE("pause freezes the list while capture goes on - resume catches up", "[ui]") {
    test::ImGuiHarness imgui;
    test::LiveInspector live(imgui);
    post_track(live.server, "u1", "Before");
    REQUIRE(live.pump(imgui, [&] { return live.feed->size() == 1; }));
    imgui.press(*live.inspector, ImGuiKey_Space);
    CHECK(live.feed->paused());
    post_track(live.server, "u1", "During");
    live.pump(
        imgui, [] { return false; }, 300);
    CHECK(live.feed->size() == 1);
    CHECK(live.server.admin_json("/_mock/events")["events"].size() == 2); // captured anyway
    imgui.press(*live.inspector, ImGuiKey_Space);
    CHECK_FALSE(live.feed->paused());
    CHECK(live.pump(imgui, [&] { return live.feed->size() == 2; }));
}

TEST_CASE("a pause holds back the new events of a fetch already under way", "[ui]") {
    // The window asked for the new events, then the user paused before they came back: the
    // list stays as it was when paused (it grew by one under ctest -j2 before the fix).
    test::ImGuiHarness imgui;
    test::LiveInspector live(imgui);
    post_track(live.server, "u1", "Before");
    REQUIRE(live.pump(imgui, [&] { return live.feed->size() == 1; }));
    post_track(live.server, "u1", "During");
    std::this_thread::sleep_for(std::chrono::milliseconds(250)); // the watcher sees the commit
    imgui.frame(*live.inspector); // asks for the tail; its answer waits in the task queue
    imgui.press(*live.inspector, ImGuiKey_Space);
    REQUIRE(live.feed->paused());
    std::this_thread::sleep_for(std::chrono::milliseconds(200)); // the worker answers
    live.pump(
        imgui, [] { return false; }, 300);
    CHECK(live.feed->size() == 1);
    imgui.press(*live.inspector, ImGuiKey_Space);
    CHECK(live.pump(imgui, [&] { return live.feed->size() == 2; }));
}

TEST_CASE("'/' focuses the filter bar", "[ui]") {
    test::ImGuiHarness imgui;
    test::LiveInspector live(imgui);
    live.pump(
        imgui, [] { return false; }, 100);
    imgui.press(*live.inspector, '/');
    live.pump(
        imgui, [] { return false; }, 50);
    CHECK(ImGui::GetIO().WantTextInput);
}

TEST_CASE("lint warnings are explained", "[ui]") {
    CHECK(ui::explain_lint("track without \"event\"").find("event name") != std::string::npos);
    CHECK(ui::explain_lint("\"timestamp\" is not an ISO 8601 timestamp").find("ISO 8601") !=
          std::string::npos);
    CHECK_FALSE(ui::explain_lint("something new").empty());
}

TEST_CASE("arrows on another tab leave the events selection alone", "[ui]") {
    test::ImGuiHarness imgui;
    test::LiveInspector live(imgui);
    post_track(live.server, "u1", "One");
    post_track(live.server, "u1", "Two");
    REQUIRE(live.pump(imgui, [&] { return live.feed->size() == 2; }));
    imgui.press(*live.inspector, ImGuiKey_UpArrow); // selects the newest
    REQUIRE(live.pump(imgui, [&] { return live.feed->detail() != nullptr; }));
    const int64_t selected = live.feed->selected();
    live.inspector->context().open_tab = "Requests";
    REQUIRE(live.pump(imgui, [&] { return live.inspector->active_tab() == "Requests"; }));
    imgui.press(*live.inspector, ImGuiKey_UpArrow);
    imgui.press(*live.inspector, ImGuiKey_DownArrow);
    imgui.press(*live.inspector, ImGuiKey_PageUp);
    live.pump(
        imgui, [] { return false; }, 100);
    CHECK(live.feed->selected() == selected); // was moved by the hidden table before
    live.inspector->context().open_tab = "Events";
    REQUIRE(live.pump(imgui, [&] { return live.inspector->active_tab() == "Events"; }));
    imgui.press(*live.inspector, ImGuiKey_UpArrow);
    CHECK(live.feed->selected() != selected); // and still does on its own tab
}

TEST_CASE("the detail pane decodes what the browser SDK says in its headers", "[ui]") {
    test::ImGuiHarness imgui;
    test::LiveInspector live(imgui);
    auto client = live.server.client();
    client.set_basic_auth("wk-ui", "");
    httplib::Headers headers = {{"AnonymousId", "YW5vbi1iMQ=="}, // base64("anon-b1")
                                {"SentAt", "2026-12-01T10:00:00.000Z"},
                                {"Rsa-Retry-Attempt", "1"},
                                {"Rsa-Retry-Reason", "server-503"}};
    auto r = client.Post("/v1/track", headers,
                         R"({"anonymousId":"anon-b1","event":"Clicked","messageId":"b1"})",
                         "application/json");
    REQUIRE(r);
    REQUIRE(r->status == 200);
    REQUIRE(live.pump(imgui, [&] { return live.feed->size() == 1; }));
    imgui.press(*live.inspector, ImGuiKey_UpArrow);
    REQUIRE(live.pump(imgui, [&] { return live.inspector->detail_pane().browser_headers(); }));
    const BrowserHeaders& b = *live.inspector->detail_pane().browser_headers();
    CHECK(b.anonymous_id == "anon-b1");
    CHECK(b.sent_at == "2026-12-01T10:00:00.000Z");
    CHECK(b.retry_attempt == "1");
    CHECK(b.retry_reason == "server-503");
}

TEST_CASE("the Delivery tab lists a faulted attempt and its retry - a click opens the attempt "
          "in Requests",
          "[ui]") {
    test::ImGuiHarness imgui;
    test::LiveInspector live(imgui);
    auto c = live.server.client();
    auto put = c.Put("/_mock/faults",
                     R"({"rules":[{"id":"down","match":{"write_key":"wk-ui"},
                         "trigger":{"times":1},"effect":{"status":503}}]})",
                     "application/json");
    REQUIRE(put);
    REQUIRE(put->status == 200);
    const std::string body = R"({"userId":"u1","event":"Paid","messageId":"pay-1"})";
    auto first = live.server.post("/v1/track", "wk-ui", body);
    REQUIRE(first);
    REQUIRE(first->status == 503);
    auto retry = live.server.post("/v1/track", "wk-ui", body);
    REQUIRE(retry);
    REQUIRE(retry->status == 200);
    REQUIRE(live.pump(imgui, [&] { return live.feed->size() == 1; }));
    imgui.press(*live.inspector, ImGuiKey_UpArrow);
    REQUIRE(live.pump(imgui, [&] { return live.feed->detail() && live.feed->detail()->request; }));
    const int64_t retry_id = live.feed->detail()->request->id;
    auto& pane = live.inspector->detail_pane();
    CHECK(live.pump(imgui, [&] { return pane.active_tab() == "Event"; }));
    CHECK(pane.delivery_rows().empty()); // drawn only when its tab is
    live.inspector->context().open_detail_tab = "Delivery";
    REQUIRE(live.pump(imgui, [&] { return pane.delivery_rows().size() == 2; }));
    CHECK(pane.active_tab() == "Delivery");
    CHECK(pane.delivery_summary() == "2 attempts of the same events: delivered");
    const ui::AttemptRow faulted = pane.delivery_rows()[0];
    const ui::AttemptRow mine = pane.delivery_rows()[1];
    CHECK(faulted.status == "503");
    CHECK(faulted.fault_retry.find("down") != std::string::npos);
    CHECK_FALSE(faulted.mine);
    CHECK(faulted.since_ms.empty());
    CHECK(mine.request_id == retry_id);
    CHECK(mine.mine);
    CHECK(mine.label == "#" + std::to_string(retry_id) + " (this)");
    CHECK(mine.status == "200");
    CHECK_FALSE(mine.since_ms.empty());
    // A click on the other attempt shows it in the Requests tab.
    imgui.click(*live.inspector, ImVec2(faulted.min.x + 4, (faulted.min.y + faulted.max.y) / 2));
    REQUIRE(live.pump(imgui, [&] { return live.inspector->active_tab() == "Requests"; }));
    RequestFeed* requests = live.inspector->requests_view().feed();
    REQUIRE(requests);
    CHECK(requests->selected() == faulted.request_id);
    REQUIRE(live.pump(imgui, [&] { return requests->detail() != nullptr; }));
    CHECK(requests->detail()->request.record.status == 503);
}
