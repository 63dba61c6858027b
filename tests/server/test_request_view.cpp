#include "server/request_view.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>

TEST_CASE("find_header compares names without case - and only letters fold", "[request]") {
    httplib::Request req;
    req.headers.emplace("authorization", "Basic first");
    req.headers.emplace("Authorization", "Basic second");
    req.headers.emplace("X-Rudder-Source-Id", "src");
    req.headers.emplace("X_Forwarded_For", "not the dashed one");
    req.headers.emplace("Content-Length", "12");
    const std::string* auth = rm::find_header(req, "AUTHORIZATION");
    REQUIRE(auth);
    CHECK(*auth == req.get_header_value("Authorization")); // the library's first value
    CHECK(rm::find_header(req, "x-rudder-source-id"));
    CHECK_FALSE(rm::find_header(req, "X-Forwarded-For")); // '_' is not '-'
    CHECK_FALSE(rm::find_header(req, "Content-Lengt"));
    CHECK_FALSE(rm::find_header(req, "Origin"));
    // '@' and '`' differ only in the bit that folds letters: they are not the same name.
    req.headers.emplace("A@", "x");
    CHECK_FALSE(rm::find_header(req, "A`"));
    rm::erase_header(req, "AUTHORIZATION");
    CHECK_FALSE(rm::find_header(req, "Authorization"));
    CHECK_FALSE(req.has_header("Authorization"));
    CHECK(rm::find_header(req, "Content-Length"));
}

TEST_CASE("journal_record redacts the named headers - any case, every value", "[request][redact]") {
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/track";
    req.headers.emplace("Authorization", "Basic d2s6");
    req.headers.emplace("Cookie", "a=1");
    req.headers.emplace("cookie", "b=2");
    req.headers.emplace("Content-Type", "application/json");
    auto plain = rm::journal_record(req);
    CHECK(plain.headers_json.find("Basic d2s6") != std::string::npos); // off by default
    auto rec = rm::journal_record(req, {"AUTHORIZATION", "Cookie"});
    CHECK(rec.headers_json.find("Basic d2s6") == std::string::npos);
    CHECK(rec.headers_json.find("a=1") == std::string::npos);
    CHECK(rec.headers_json.find("b=2") == std::string::npos);
    CHECK(rec.headers_json.find(R"("Authorization":"<redacted>")") != std::string::npos);
    CHECK(rec.headers_json.find(R"(["<redacted>","<redacted>"])") != std::string::npos);
    CHECK(rec.headers_json.find(R"("Content-Type":"application/json")") != std::string::npos);
}
