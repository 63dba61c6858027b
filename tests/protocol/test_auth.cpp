#include "protocol/auth.hpp"
#include "support/test_server.hpp"

#include <catch2/catch.hpp>

using namespace rm;

namespace {
AuthOutcome basic_auth(SourceRegistry& reg, std::optional<std::string> header) {
    AuthInput in;
    in.authorization = std::move(header);
    return authenticate(AuthKind::basic, in, reg);
}

SourceRegistry workspace() {
    auto reg = SourceRegistry::from_json(test::fixture("sources/workspace.json"));
    REQUIRE(reg.ok());
    return std::move(*reg);
}
} // namespace

TEST_CASE("Basic auth takes the username as the write key", "[auth]") {
    CHECK(basic_auth_user("Basic d2s6") == std::optional<std::string>("wk"));
    CHECK(basic_auth_user("basic d2s6YW55dGhpbmc=") == std::optional<std::string>("wk"));
    CHECK(basic_auth_user("BASIC d2s6") == std::optional<std::string>("wk"));
    CHECK_FALSE(basic_auth_user("Bearer d2s6"));
    CHECK_FALSE(basic_auth_user("Basic d2s"));      // bad base64
    CHECK_FALSE(basic_auth_user("Basic d2s="));     // "wk": no colon
    CHECK_FALSE(basic_auth_user("Basic OnBhc3M=")); // ":pass": empty username
    CHECK_FALSE(basic_auth_user(""));
}

TEST_CASE("permissive sources accept any non-empty key and remember it", "[auth][sources]") {
    SourceRegistry reg;
    CHECK(basic_auth(reg, test::basic("anything")).reason == Reason::ok);
    CHECK(basic_auth(reg, std::nullopt).reason == Reason::no_write_key_header);
    CHECK(basic_auth(reg, "Bearer x").reason == Reason::no_write_key_header);
    REQUIRE(reg.list().size() == 1);
    CHECK(reg.list()[0].write_key == "anything");
}

TEST_CASE("configured sources: unknown - disabled - webhook-only", "[auth][sources]") {
    SourceRegistry reg = workspace();
    CHECK(basic_auth(reg, test::basic("wk-web")).reason == Reason::ok);
    CHECK(basic_auth(reg, test::basic("nope")).reason == Reason::invalid_write_key);
    CHECK(basic_auth(reg, test::basic("wk-off")).reason == Reason::source_disabled);
    AuthInput hook;
    hook.query_write_key = "wk-web";
    CHECK(authenticate(AuthKind::webhook, hook, reg).reason == Reason::invalid_write_key);
    hook.query_write_key = "wk-hook";
    CHECK(authenticate(AuthKind::webhook, hook, reg).reason == Reason::ok);
    hook.query_write_key.reset();
    CHECK(authenticate(AuthKind::webhook, hook, reg).reason == Reason::no_write_key_query);
    hook.authorization = test::basic("wk-hook");
    CHECK(authenticate(AuthKind::webhook, hook, reg).reason == Reason::ok);
}

TEST_CASE("beacon needs a query write key", "[auth]") {
    SourceRegistry reg = workspace();
    AuthInput in;
    in.authorization = test::basic("wk-web");
    CHECK(authenticate(AuthKind::beacon_query, in, reg).reason == Reason::no_write_key_query);
    in.query_write_key = "";
    CHECK(authenticate(AuthKind::beacon_query, in, reg).reason == Reason::no_write_key_query);
    in.query_write_key = "wk-web";
    CHECK(authenticate(AuthKind::beacon_query, in, reg).reason == Reason::ok);
}

TEST_CASE("source-id auth for retl and replay", "[auth]") {
    SourceRegistry reg = workspace();
    AuthInput in;
    CHECK(authenticate(AuthKind::retl_source, in, reg).reason == Reason::no_source_id);
    in.source_id = "unknown";
    CHECK(authenticate(AuthKind::retl_source, in, reg).reason == Reason::invalid_source_id);
    in.source_id = "src-off";
    CHECK(authenticate(AuthKind::retl_source, in, reg).reason == Reason::source_disabled);
    in.source_id = "src-web";
    CHECK(authenticate(AuthKind::retl_source, in, reg).reason == Reason::ok);
    CHECK(authenticate(AuthKind::replay_source, in, reg).reason == Reason::invalid_replay_source);
    in.destination_id = "dst-x";
    CHECK(authenticate(AuthKind::retl_source, in, reg).reason == Reason::invalid_destination_id);
    in.destination_id = "dst-off";
    CHECK(authenticate(AuthKind::retl_source, in, reg).reason == Reason::destination_disabled);
    in.destination_id = "dst-on";
    CHECK(authenticate(AuthKind::retl_source, in, reg).reason == Reason::ok);
    // Required by configuration: missing or empty is refused, after the source checks.
    in.destination_id_required = true;
    CHECK(authenticate(AuthKind::retl_source, in, reg).reason == Reason::ok);
    in.destination_id.reset();
    CHECK(authenticate(AuthKind::retl_source, in, reg).reason == Reason::no_destination_id);
    in.destination_id = "";
    CHECK(authenticate(AuthKind::retl_source, in, reg).reason == Reason::no_destination_id);
    CHECK(authenticate(AuthKind::replay_source, in, reg).reason == Reason::invalid_replay_source);
    in.source_id = "src-off";
    CHECK(authenticate(AuthKind::retl_source, in, reg).reason == Reason::source_disabled);
    in.source_id = "src-replay";
    in.destination_id.reset();
    CHECK(authenticate(AuthKind::replay_source, in, reg).reason == Reason::ok);
}

TEST_CASE("a bad sources file is a clear error", "[sources]") {
    CHECK_FALSE(SourceRegistry::from_json("{").ok());
    auto bad = SourceRegistry::from_json(test::fixture("sources/invalid.json"));
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("writeKey") != std::string::npos);
    CHECK_FALSE(SourceRegistry::from_file("/nonexistent/sources.json").ok());
}
