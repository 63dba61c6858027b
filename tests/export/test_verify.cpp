// The comparison of `ruddermock verify` alone (export/verify.hpp): matching, missing and
// unexpected events, differences by path, --ignore, order within user and type against
// --any-order, volatile fields and the links between their placeholders.
#include "export/verify.hpp"

#include <catch2/catch.hpp>

using rm::VerifyEvent;
using rm::VerifyFinding;
using rm::VerifyOptions;
using rm::VerifyReport;

namespace {

std::vector<VerifyEvent> events(const std::vector<std::string>& texts, int64_t first = 1) {
    std::vector<VerifyEvent> out;
    for (const auto& t : texts) {
        out.push_back({t, first++});
    }
    return out;
}

VerifyReport verify(const std::vector<std::string>& expected, const std::vector<std::string>& found,
                    VerifyOptions options = {}) {
    auto r = rm::verify_events(events(expected), events(found, 101), options);
    if (!r) {
        FAIL(r.error().message);
    }
    return *r;
}

std::vector<std::string> lines(const VerifyReport& r) {
    std::vector<std::string> out;
    for (const auto& f : r.findings) {
        out.insert(out.end(), f.lines.begin(), f.lines.end());
    }
    return out;
}

std::string track(const std::string& user, const std::string& name, const std::string& props,
                  const std::string& message_id = "") {
    return R"({"type":"track","userId":")" + user + R"(","event":")" + name + R"(","properties":)" +
           props + R"(,"messageId":")" + (message_id.empty() ? user + "-" + name : message_id) +
           R"("})";
}

} // namespace

TEST_CASE("verify: the same events match - whatever the run's volatile values", "[verify]") {
    const std::string a =
        R"({"type":"track","event":"Order Completed","userId":"u1","properties":{"total":10},
            "messageId":"1b6e2e2c-0d6b-4b58-9a3e-2f6d1c1e8a01","rudderId":"r-1",
            "anonymousId":"0f8fad5b-d9cb-469f-a165-70867728950e","request_ip":"127.0.0.1",
            "originalTimestamp":"2026-01-02T03:04:05.678Z","sentAt":"2026-01-02T03:04:05.700Z",
            "receivedAt":"2026-01-02T03:04:05.800Z",
            "context":{"library":{"name":"analytics-node","version":"1.2.3"}}})";
    const std::string b =
        R"({"context":{"library":{"version":"1.3.0","name":"analytics-node"}},
            "messageId":"c7a1c2c0-1111-4444-8888-000000000000","rudderId":"r-2",
            "anonymousId":"5d3e6f1a-9b1c-4d2e-8f3a-6b7c8d9e0f1a","request_ip":"10.0.0.9",
            "originalTimestamp":"2027-05-06T07:08:09.000Z","sentAt":"2027-05-06T07:08:09.100Z",
            "receivedAt":"2027-05-06T07:08:09.200Z","userId":"u1","type":"track",
            "event":"Order Completed","properties":{"total":10.0}})";
    VerifyReport r = verify({a}, {b});
    CHECK(r.ok());
    CHECK(r.findings.empty());
    CHECK(r.summary() == "verify: 1 expected, 1 found, 0 missing, 0 unexpected, 0 different");

    // A normalised fixture (placeholders already in) against raw events.
    const std::string fixture =
        R"({"anonymousId":"<anonymousId-1>","context":{"library":{"name":"analytics-node","version":"<library.version-1>"}},"event":"Order Completed","messageId":"<messageId-1>","originalTimestamp":"<timestamp>","properties":{"total":10},"receivedAt":"<timestamp>","request_ip":"<request_ip-1>","rudderId":"<rudderId-1>","sentAt":"<timestamp>","type":"track","userId":"u1"})";
    CHECK(verify({fixture}, {b}).ok());
    CHECK(verify({}, {}).summary() ==
          "verify: 0 expected, 0 found, 0 missing, 0 unexpected, 0 different");
}

TEST_CASE("verify: a hand-written fixture need not list the gateway's fields", "[verify]") {
    const std::string stored =
        R"({"type":"identify","userId":"u1","traits":{"plan":"pro"},"rudderId":"r-1",
            "messageId":"m-1","receivedAt":"2026-01-02T03:04:05.800Z","request_ip":"1.2.3.4"})";
    CHECK(verify({R"({"type":"identify","userId":"u1","traits":{"plan":"pro"}})"}, {stored}).ok());
    // Listed once in the fixture, the field is compared everywhere.
    VerifyReport r = verify({R"({"type":"identify","userId":"u1","messageId":"a"})",
                             R"({"type":"identify","userId":"u2"})"},
                            {R"({"type":"identify","userId":"u1","messageId":"x"})",
                             R"({"type":"identify","userId":"u2","messageId":"y"})"});
    CHECK(lines(r) == std::vector<std::string>{
                          R"(event 2 (identify): messageId: expected nothing, got "<messageId>")"});
}

TEST_CASE("verify: differences by JSON path", "[verify]") {
    const std::string e =
        track("u1", "Order Completed", R"({"total":10,"coupon":"X","items":[1,2]})");
    const std::string f = track("u1", "Order Completed", R"({"total":12,"items":[1],"note":"hi"})");
    VerifyReport r = verify({track("u0", "Signed Up", "{}"), track("u0", "Other", "{}"), e},
                            {track("u0", "Signed Up", "{}"), track("u0", "Other", "{}"), f});
    CHECK_FALSE(r.ok());
    CHECK(r.different == 1);
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].kind == VerifyFinding::Kind::different);
    CHECK(r.findings[0].expected == 3);
    CHECK(r.findings[0].actual == 103);
    CHECK(lines(r) ==
          std::vector<std::string>{
              R"(event 3 (track "Order Completed"): properties.coupon: expected "X", got nothing)",
              R"(event 3 (track "Order Completed"): properties.items[1]: expected 2, got nothing)",
              R"(event 3 (track "Order Completed"): properties.total: expected 10, got 12)",
              R"(event 3 (track "Order Completed"): properties.note: expected nothing, got "hi")",
          });
    CHECK(r.summary() == "verify: 3 expected, 3 found, 0 missing, 0 unexpected, 1 different");

    // Long values are cut; many differences are counted after the first ones.
    std::string many = "{";
    for (int i = 0; i < 30; ++i) {
        many.append(i ? ",\"k" : "\"k").append(std::to_string(i)).append("\":");
        many.append(std::to_string(i));
    }
    many += "}";
    VerifyOptions few;
    few.max_paths_per_event = 5;
    VerifyReport big =
        verify({track("u1", "Big", many, "m")},
               {track("u1", "Big", "{\"k0\":\"" + std::string(300, 'x') + "\"}", "m")}, few);
    auto l = lines(big);
    REQUIRE(l.size() == 6);
    CHECK(l[0].size() < 200);
    CHECK(l[0].find("...") != std::string::npos);
    CHECK(l[5] == R"(event 1 (track "Big"): and 25 more differences)");
}

TEST_CASE("verify: missing and unexpected events", "[verify]") {
    const std::string identify = R"({"type":"identify","userId":"u2","traits":{"plan":"pro"}})";
    const std::string page = R"({"type":"page","anonymousId":"anon-7","name":"Home"})";
    VerifyReport r =
        verify({track("u1", "A", "{}"), track("u1", "B", "{}"), track("u1", "C", "{}")},
               {track("u1", "A", "{}"), track("u1", "C", "{}"), identify, page});
    CHECK(r.missing == 1);
    CHECK(r.unexpected == 2);
    CHECK(r.different == 0);
    CHECK(lines(r) == std::vector<std::string>{
                          R"(missing: event 2 (track "B", user "u1"))",
                          R"(unexpected: id 103 (identify, user "u2"))",
                          R"(unexpected: id 104 (page "Home", anonymousId "anon-7"))",
                      });
    CHECK(r.summary() == "verify: 3 expected, 4 found, 1 missing, 2 unexpected, 0 different");
}

TEST_CASE("verify: a missing event does not shift the placeholders of the next", "[verify]") {
    auto ev = [](const std::string& name, const std::string& id) {
        return R"({"type":"track","userId":"u1","event":")" + name + R"(","messageId":")" + id +
               R"(","originalTimestamp":"2026-01-02T03:04:05.678Z"})";
    };
    VerifyReport r = verify({ev("A", "a"), ev("B", "b"), ev("C", "c"), ev("D", "d")},
                            {ev("A", "x1"), ev("C", "x3"), ev("D", "x4")});
    CHECK(r.missing == 1);
    CHECK(r.different == 0);
    CHECK(lines(r) == std::vector<std::string>{R"(missing: event 2 (track "B", user "u1"))"});

    // An event inserted and the next one changed: the aligner resyncs on the name.
    VerifyReport shifted =
        verify({track("u1", "A", "{}"), track("u1", "B", R"({"n":1})"), track("u1", "C", "{}")},
               {track("u1", "A", "{}"), track("u1", "X", "{}"), track("u1", "B", R"({"n":2})", "z"),
                track("u1", "C", "{}")});
    CHECK(shifted.unexpected == 1);
    CHECK(shifted.different == 1);
    CHECK(lines(shifted) == std::vector<std::string>{
                                R"(event 2 (track "B"): properties.n: expected 1, got 2)",
                                R"(unexpected: id 102 (track "X", user "u1"))",
                            });
}

TEST_CASE("verify: shared volatile values are links that must hold", "[verify]") {
    auto ev = [](const std::string& name, const std::string& id) {
        return R"({"type":"track","userId":"u1","event":")" + name + R"(","messageId":")" + id +
               R"("})";
    };
    // A retry (the same messageId twice) expected, two distinct messageIds found.
    VerifyReport retry = verify({ev("A", "m1"), ev("A", "m1")}, {ev("A", "x"), ev("A", "y")});
    CHECK(retry.different == 1);
    CHECK(
        lines(retry) ==
        std::vector<std::string>{
            R"(event 2 (track "A"): messageId: expected the same value as event 1, got another)"});
    // And the other way round.
    VerifyReport split = verify({ev("A", "m1"), ev("A", "m2")}, {ev("A", "x"), ev("A", "x")});
    CHECK(
        lines(split) ==
        std::vector<std::string>{
            R"(event 2 (track "A"): messageId: expected a value other than event 1's, got the same)"});
    CHECK(verify({ev("A", "m1"), ev("A", "m1"), ev("B", "m2")},
                 {ev("A", "q"), ev("A", "q"), ev("B", "r")})
              .ok());
}

TEST_CASE("verify: --ignore drops paths on both sides", "[verify]") {
    const std::string e =
        R"({"type":"track","userId":"u1","event":"E","context":{"userAgent":"A/1","ip":"1"},
            "properties":{"debug":true,"products":[{"sku":"1","n":1},{"sku":"2","n":2}]}})";
    const std::string f =
        R"({"type":"track","userId":"u1","event":"E","context":{"userAgent":"B/2","ip":"1"},
            "properties":{"products":[{"sku":"9","n":1},{"sku":"8","n":2}]}})";
    CHECK(verify({e}, {f}).different == 1);
    VerifyOptions o;
    o.ignore = {"context.userAgent", "properties.debug", "properties.products[*].sku"};
    CHECK(verify({e}, {f}, o).ok());
    o.ignore = {"context.userAgent", "properties.debug", "properties.products[0].sku"};
    CHECK(lines(verify({e}, {f}, o)) ==
          std::vector<std::string>{
              R"(event 1 (track "E"): properties.products[1].sku: expected "2", got "8")"});
    o.ignore = {"context.*", "properties"};
    CHECK(verify({e}, {f}, o).ok());

    for (const char* bad : {"", "a..b", "a.", ".a", "a[", "a[x]", "a[1]b"}) {
        INFO(bad);
        CHECK_FALSE(rm::check_ignore_path(bad));
    }
    CHECK(rm::check_ignore_path("a[1][2].b"));
    CHECK(rm::check_ignore_path("a[1][2].b"));
    VerifyOptions broken;
    broken.ignore = {"a..b"};
    auto r = rm::verify_events({}, {}, broken);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "--ignore: bad path 'a..b': empty key");
}

TEST_CASE("verify: order matters within one user and type - not across", "[verify]") {
    const std::string a1 = track("u1", "A", "{}");
    const std::string b1 = track("u1", "B", "{}");
    const std::string c2 = track("u2", "C", "{}");
    const std::string id2 = R"({"type":"identify","userId":"u2"})";
    // Across users and across types of one user: any interleaving.
    CHECK(verify({a1, c2, b1, id2}, {id2, c2, a1, b1}).ok());
    // Within u1's tracks: B before A is a difference...
    VerifyReport swapped = verify({a1, b1, c2}, {b1, a1, c2});
    CHECK_FALSE(swapped.ok());
    CHECK(swapped.missing + swapped.unexpected + swapped.different > 0);
    // ... unless --any-order.
    VerifyOptions any;
    any.any_order = true;
    CHECK(verify({a1, b1, c2}, {b1, a1, c2}, any).ok());
    CHECK(verify({a1, b1, c2}, {c2, b1, a1}, any).ok());
}

TEST_CASE("verify --any-order pairs each event with its closest match", "[verify]") {
    VerifyOptions any;
    any.any_order = true;
    const std::string e1 = track("u1", "Buy", R"({"a":1,"b":1,"c":1})", "m1");
    const std::string e2 = track("u1", "Buy", R"({"a":2,"b":2,"c":2})", "m2");
    const std::string f1 = track("u1", "Buy", R"({"a":2,"b":2,"c":9})", "m3");
    const std::string f2 = track("u1", "Buy", R"({"a":1,"b":1,"c":9})", "m4");
    VerifyReport r = verify({e1, e2}, {f1, f2}, any);
    CHECK(r.different == 2);
    CHECK(lines(r) == std::vector<std::string>{
                          R"(event 1 (track "Buy"): properties.c: expected 1, got 9)",
                          R"(event 2 (track "Buy"): properties.c: expected 2, got 9)",
                      });
    // Another name is never paired: missing and unexpected.
    VerifyReport other = verify({e1}, {track("u1", "Sell", "{}")}, any);
    CHECK(other.missing == 1);
    CHECK(other.unexpected == 1);
    CHECK(other.different == 0);
}

TEST_CASE("verify: fixtures", "[verify]") {
    auto ok = rm::parse_fixture("{\"type\":\"track\"}\n\n  \r\n{\"type\":\"page\"}\r\n");
    REQUIRE(ok);
    REQUIRE(ok->size() == 2);
    CHECK((*ok)[0].origin == 1);
    CHECK((*ok)[1].origin == 4);
    CHECK((*ok)[1].json == "{\"type\":\"page\"}");

    auto array = rm::parse_fixture("[\n{\"type\":\"track\"},\n{\"type\":\"page\"}\n]\n");
    REQUIRE(array);
    CHECK(array->size() == 2);
    CHECK(rm::parse_fixture("")->empty());

    auto half = rm::parse_fixture("{\"type\":\"track\"}\n{\"type\":\"tr");
    REQUIRE_FALSE(half);
    CHECK(half.error().message ==
          "line 2: not valid JSON (the file ends inside it: half-written?)");
    auto bad = rm::parse_fixture("{\"a\":1}\n{oops}\n{\"b\":2}\n");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == "line 2: not valid JSON");
    auto scalar = rm::parse_fixture("{\"a\":1}\n42\n");
    REQUIRE_FALSE(scalar);
    CHECK(scalar.error().message == "line 2: not a JSON object (one event per line)");
    CHECK_FALSE(rm::parse_fixture("[{\"a\":1},"));
}
