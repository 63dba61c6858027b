// The filter language alone: the parser (terms, positions, error texts) and the compiler (SQL
// shape and bound values; no value ever in the SQL text).
#include "query/filter.hpp"
#include "util/encoding.hpp"

#include <catch2/catch.hpp>

using namespace rm;
using namespace rm::query;

namespace {

Filter parsed(const std::string& text) {
    auto f = parse(text);
    INFO(text);
    REQUIRE(f.ok());
    return *f;
}

Term one(const std::string& text) {
    Filter f = parsed(text);
    REQUIRE(f.terms.size() == 1);
    return f.terms[0];
}

std::string error_of(const std::string& text) {
    auto f = parse(text);
    INFO(text);
    REQUIRE_FALSE(f.ok());
    return f.error().message;
}

Sql compiled(const std::string& text) {
    auto sql = compile(parsed(text));
    INFO(text);
    REQUIRE(sql.ok());
    return *sql;
}

using Args = std::vector<SqlValue>;

} // namespace

TEST_CASE("filter parser: fields - lists and quotes", "[filter]") {
    CHECK(parsed("").empty());
    CHECK(parsed("  \t ").empty());

    Term type = one("type:track,page");
    CHECK(type.field == Field::type);
    CHECK(type.op == Op::eq);
    CHECK_FALSE(type.negated);
    CHECK(type.values == std::vector<std::string>{"track", "page"});
    CHECK(type.position == 1);

    Term event = one(R"(event:"Order Completed")");
    CHECK(event.field == Field::event);
    CHECK(event.values == std::vector<std::string>{"Order Completed"});

    CHECK(one(R"(event:"say \"hi\"")").values[0] == R"(say "hi")");
    CHECK(one(R"(event:"back\\slash")").values[0] == R"(back\slash)");
    CHECK(one(R"(event:"C:\path")").values[0] == R"(C:\path)"); // other backslashes stay
    CHECK(one(R"(event:"a,b","c d")").values == std::vector<std::string>{"a,b", "c d"});
    CHECK(one(R"(user:"")").values == std::vector<std::string>{""});

    const std::pair<const char*, Field> fields[] = {
        {"user:u1", Field::user},
        {"anon:a1", Field::anon},
        {"key:WK1", Field::key},
        {"status:4xx", Field::status},
        {"status:429", Field::status},
        {"path:/v1/batch", Field::path},
        {"has:lint", Field::has},
        {"has:dup", Field::has},
        {"has:fault", Field::has},
        {"id:1000", Field::id},
        {"after:2026-11-30T10:00", Field::after},
        {"before:2026-11-30", Field::before},
    };
    for (const auto& [text, field] : fields) {
        INFO(text);
        Term t = one(text);
        CHECK(t.field == field);
        CHECK(t.op == Op::eq);
        REQUIRE(t.values.size() == 1);
        CHECK(t.values[0] == std::string(text).substr(std::string(text).find(':') + 1));
    }
    CHECK(one("path:/v1/batch").values[0] == "/v1/batch");
}

TEST_CASE("filter parser: negation - text and positions", "[filter]") {
    Filter f = parsed(R"(type:track   -event:Clicked "free text" word -"not this")");
    REQUIRE(f.terms.size() == 5);
    CHECK(f.terms[0].position == 1);
    CHECK(f.terms[1].negated);
    CHECK(f.terms[1].field == Field::event);
    CHECK(f.terms[1].position == 14);
    CHECK(f.terms[2].field == Field::text);
    CHECK(f.terms[2].values[0] == "free text");
    CHECK(f.terms[2].position == 29);
    CHECK(f.terms[3].field == Field::text);
    CHECK(f.terms[3].values[0] == "word");
    CHECK(f.terms[4].negated);
    CHECK(f.terms[4].field == Field::text);
    CHECK(f.terms[4].values[0] == "not this");

    // Words without an operator, or with nothing before it, are free text.
    for (const char* word :
         {"/v1/batch", "o-1", "properties.total", ":x", "<div>", "a=b", "track", "foo\"bar"}) {
        Term t = one(word);
        CHECK(t.field == Field::text);
        CHECK(t.values[0] == word);
    }
    CHECK(one("-type:track").negated);
    CHECK(one("--x").values[0] == "-x");
}

TEST_CASE("filter parser: id comparisons and JSON paths with operators", "[filter]") {
    const std::pair<const char*, Op> ids[] = {
        {"id:1000", Op::eq},   {"id:>1000", Op::gt}, {"id:>=1000", Op::ge}, {"id:<1000", Op::lt},
        {"id:<=1000", Op::le}, {"id>1000", Op::gt},  {"id!=1000", Op::ne},
    };
    for (const auto& [text, op] : ids) {
        INFO(text);
        Term t = one(text);
        CHECK(t.field == Field::id);
        CHECK(t.op == op);
        CHECK(t.values == std::vector<std::string>{"1000"});
    }
    CHECK(one("id:1,2").values.size() == 2);

    const std::pair<const char*, Op> paths[] = {
        {"properties.total>100", Op::gt},  {"properties.total>=100", Op::ge},
        {"properties.total<100", Op::lt},  {"properties.total<=100", Op::le},
        {"traits.plan!=free", Op::ne},     {"traits.plan:free", Op::eq},
        {"properties.total:>100", Op::gt},
    };
    for (const auto& [text, op] : paths) {
        INFO(text);
        Term t = one(text);
        CHECK(t.field == Field::json_path);
        CHECK(t.op == op);
    }
    Term lib = one(R"(context.library.name:"analytics-node")");
    CHECK(lib.path == "context.library.name");
    CHECK(lib.values == std::vector<std::string>{"analytics-node"});
    CHECK(one("properties.products[0].sku:A-1").path == "properties.products[0].sku");
    CHECK(one("$x._y9:1").path == "$x._y9");
    CHECK(one("foo:bar").path == "foo"); // one identifier: a top-level key
    CHECK(one("typ:track").field == Field::json_path);
    CHECK(one("event.name:x").field == Field::json_path); // not exactly a field name

    Term exists = one("properties.coupon:*");
    CHECK(exists.op == Op::exists);
    CHECK(exists.values.empty());
    CHECK_FALSE(exists.negated);
    Term absent = one("properties.coupon!=*");
    CHECK(absent.op == Op::exists);
    CHECK(absent.negated);
    CHECK(one("-properties.coupon!=*").negated == false);
    Term star = one(R"(properties.coupon:"*")"); // quoted: the string "*"
    CHECK(star.op == Op::eq);
    CHECK(star.values == std::vector<std::string>{"*"});
    Term text_cmp = one("properties.name>M");
    CHECK(text_cmp.values == std::vector<std::string>{"M"});
}

TEST_CASE("filter parser: error messages name the position", "[filter]") {
    CHECK(error_of("1abc:x") ==
          "filter: position 1: unknown field '1abc' (expected type, event, user, anon, key, "
          "status, path, has, id, after, before, or a JSON path like properties.total)");
    CHECK(error_of("type:track a..b:x").find("filter: position 12: unknown field 'a..b'") == 0);
    CHECK(error_of("-10:30").find("filter: position 2: unknown field '10'") == 0);
    CHECK(error_of("a[x]:1").find("unknown field 'a[x]'") != std::string::npos);
    CHECK(error_of("user:u1 type:") == "filter: position 14: expected a value after 'type:'");
    CHECK(error_of("properties.total> x") ==
          "filter: position 18: expected a value after 'properties.total>'");
    CHECK(error_of("id:>") == "filter: position 5: expected a value after 'id:>'");
    CHECK(error_of(R"(event:"Order Completed)") == "filter: position 7: unterminated quote");
    CHECK(error_of(R"(x "abc\")") == "filter: position 3: unterminated quote");
    CHECK(error_of(R"("abc"def)") ==
          "filter: position 6: expected a space after the closing quote");
    CHECK(error_of(R"(event:"a"b)") ==
          "filter: position 10: expected a space or ',' after the closing quote");
    CHECK(error_of("status:4x") ==
          "filter: position 8: bad status '4x' (expected a code like 429 or a class like 4xx)");
    CHECK(error_of("status:429,6xx") ==
          "filter: position 12: bad status '6xx' (expected a code like 429 or a class like 4xx)");
    CHECK(error_of("has:foo") == "filter: position 5: bad has 'foo' (expected lint, dup or fault)");
    CHECK(error_of("after:2026-13-01") ==
          "filter: position 7: bad date '2026-13-01' (expected YYYY-MM-DD, optionally "
          "THH:MM[:SS[.mmm]] and Z; UTC)");
    for (const char* bad : {"after:2026-02-30", "after:2026-11-30T24:00", "before:2026-11",
                            "before:2026-11-30T10", "before:2026-11-30T10:00:00.", "after:x",
                            "after:2026-11-30T10:00+02:00", "after:2026-11-30T10:00:00.1234"}) {
        CHECK(error_of(bad).find("bad date") != std::string::npos);
    }
    CHECK(error_of("id:>abc") == "filter: position 5: bad id comparison 'id:>abc' (expected "
                                 "id:N, id:>N, id:>=N, id:<N or id:<=N)");
    CHECK(error_of("id:>>5").find("bad id comparison 'id:>>5'") != std::string::npos);
    CHECK(error_of("type:a - event:b") ==
          "filter: position 8: '-' must be followed by a term (without a space)");
    CHECK(error_of("-") == "filter: position 1: '-' must be followed by a term (without a space)");
    CHECK(error_of("type:a,,b") == "filter: position 8: empty value in a list");
    CHECK(error_of("type:a,") == "filter: position 8: expected a value after ','");
    CHECK(error_of("id:>1,2") == "filter: position 7: 'id:>' takes one value, not a list");
    CHECK(error_of("after:2026-01-01,2026-01-02").find("takes one value") != std::string::npos);
    CHECK(error_of("type>track") == "filter: position 1: field 'type' takes ':' or '!=', not '>'");
    CHECK(error_of("after!=2026-01-01") ==
          "filter: position 1: field 'after' takes ':' only, not '!='");
}

TEST_CASE("filter parser: dates are UTC epoch milliseconds", "[filter]") {
    // 2026-11-30T00:00:00Z = 1795996800000 ms.
    auto ms_of = [](const std::string& date) {
        auto sql = compiled("after:" + date);
        REQUIRE(sql.args.size() == 1);
        return std::get<int64_t>(sql.args[0]);
    };
    CHECK(ms_of("2026-11-30") == 1795996800000);
    CHECK(ms_of("2026-11-30T10:00") == 1795996800000 + 36000000);
    CHECK(ms_of("2026-11-30T10:00Z") == 1795996800000 + 36000000);
    CHECK(ms_of("2026-11-30T10:00:05") == 1795996800000 + 36005000);
    CHECK(ms_of("2026-11-30T10:00:05.5") == 1795996800000 + 36005500);
    CHECK(ms_of("2026-11-30T10:00:05.123Z") == 1795996800000 + 36005123);
    CHECK(ms_of("\"2026-11-30 10:00\"") == 1795996800000 + 36000000);
    CHECK(ms_of("1970-01-01") == 0);
    CHECK(ms_of("2024-02-29") == 1709164800000);
}

TEST_CASE("filter compiler: SQL shape of every term", "[filter]") {
    Sql empty = compiled("");
    CHECK(empty.where.empty());
    CHECK(empty.args.empty());
    CHECK(empty.indexed);
    CHECK_FALSE(empty.needs_requests);

    const std::pair<const char*, const char*> shapes[] = {
        {"type:track", "e.type = ?"},
        {"type:track,page", "e.type IN (?, ?)"},
        {"event:\"Order Completed\"", "e.event = ?"},
        {"key:WK1", "e.write_key = ?"},
        {"status:429", "(r.status <> 200 AND r.status = ?)"},
        {"status:200", "r.status = ?"},
        {"status:4xx", "(r.status <> 200 AND r.status BETWEEN ? AND ?)"},
        {"status:2xx", "r.status BETWEEN ? AND ?"},
        {"status:429,5xx",
         "((r.status <> 200 AND r.status = ?) OR (r.status <> 200 AND r.status BETWEEN ? AND ?))"},
        {"path:/v1/batch", "r.path = ?"},
        {"has:lint", "e.lint <> '[]'"},
        {"has:dup", "e.duplicate_of IS NOT NULL"},
        {"has:fault", "r.fault_rule IS NOT NULL"},
        {"has:lint,dup", "(e.lint <> '[]' OR e.duplicate_of IS NOT NULL)"},
        {"id:1000", "e.id = ?"},
        {"id:>1000", "e.id > ?"},
        {"id:<=5", "e.id <= ?"},
        {"id!=5", "NOT (e.id = ?)"},
        {"after:2026-11-30", "e.received_ms >= ?"},
        {"before:2026-11-30", "e.received_ms < ?"},
        {"hello", "e.payload GLOB ?"},
        {"-type:track", "NOT (e.type = ?)"},
        {"type!=track", "NOT (e.type = ?)"},
        {"-type!=track", "e.type = ?"},
        {"properties.coupon:*", "json_type(e.payload, ?) IS NOT NULL"},
        {"-properties.coupon:*", "NOT (json_type(e.payload, ?) IS NOT NULL)"},
        {"traits.plan:free", "json_extract(e.payload, ?) IS ?"},
        {"traits.plan!=free", "NOT (json_extract(e.payload, ?) IS ?)"},
        {"properties.total:100", "coalesce(json_type(e.payload, ?) IN ('integer', 'real', "
                                 "'text') AND json_extract(e.payload, ?) IN (?, ?), 0)"},
        {"properties.total:42.5", "coalesce(json_type(e.payload, ?) IN ('integer', 'real', "
                                  "'text') AND json_extract(e.payload, ?) IN (CAST(? AS "
                                  "REAL), ?), 0)"},
        {"properties.flag:true",
         "coalesce(json_type(e.payload, ?) = ? OR json_extract(e.payload, ?) = ?, 0)"},
        {"properties.total>100", "coalesce(json_type(e.payload, ?) IN ('integer', 'real') AND "
                                 "json_extract(e.payload, ?) > ?, 0)"},
        {"properties.total<=1.5", "coalesce(json_type(e.payload, ?) IN ('integer', 'real') AND "
                                  "json_extract(e.payload, ?) <= CAST(? AS REAL), 0)"},
        {"traits.name>M",
         "coalesce(json_type(e.payload, ?) = 'text' AND json_extract(e.payload, ?) > ?, 0)"},
        {"traits.plan:a,b", "(json_extract(e.payload, ?) IS ? OR json_extract(e.payload, ?) IS ?)"},
    };
    for (const auto& [text, where] : shapes) {
        INFO(text);
        CHECK(compiled(text).where == where);
    }
    // user: and anon: pick event ids through the key's bucketed index, then check the text.
    const std::string u1 = keyed_events("user_key", 1);
    CHECK(u1.find("(id >> 13) IN") != std::string::npos);
    CHECK(u1.find("user_key = ?") != std::string::npos);
    CHECK(keyed_events("user_key", 2).find("user_key IN (?, ?)") != std::string::npos);
    CHECK(compiled("user:u1").where == "(" + u1 + " AND e.user_id = ?)");
    CHECK(compiled("user:u1,u2").where ==
          "(" + keyed_events("user_key", 2) + " AND e.user_id IN (?, ?))");
    CHECK(compiled("anon:a1").where ==
          "(" + keyed_events("anonymous_key", 1) + " AND e.anonymous_id = ?)");
    CHECK(compiled("type:track user:u1").where == "e.type = ? AND (" + u1 + " AND e.user_id = ?)");
}

TEST_CASE("filter compiler: bound values - requests join and indexed flag", "[filter]") {
    Sql user = compiled("user:u1");
    CHECK(user.args == Args{key_hash("u1"), std::string("u1")});
    CHECK(user.indexed);
    CHECK_FALSE(user.needs_requests);

    CHECK(compiled("user:u1,u2").args ==
          Args{key_hash("u1"), key_hash("u2"), std::string("u1"), std::string("u2")});
    CHECK(compiled("type:track,page").args == Args{std::string("track"), std::string("page")});
    CHECK(compiled("status:4xx").args == Args{int64_t{400}, int64_t{499}});
    CHECK(compiled("status:429").args == Args{int64_t{429}});
    CHECK(compiled("status:429").needs_requests);
    CHECK(compiled("path:/v1/batch").needs_requests);
    CHECK(compiled("has:fault").needs_requests);
    CHECK_FALSE(compiled("has:lint,dup").needs_requests);
    CHECK(compiled("has:lint").args.empty());
    CHECK(compiled("id:>1000").args == Args{int64_t{1000}});

    Sql total = compiled("properties.total>100");
    CHECK(total.args ==
          Args{std::string("$.properties.total"), std::string("$.properties.total"), int64_t{100}});
    CHECK_FALSE(total.indexed);
    CHECK(compiled("properties.total:42.5").args == Args{std::string("$.properties.total"),
                                                         std::string("$.properties.total"), 42.5,
                                                         std::string("42.5")});
    CHECK(compiled("properties.total:100").args == Args{std::string("$.properties.total"),
                                                        std::string("$.properties.total"),
                                                        int64_t{100}, std::string("100")});
    CHECK(compiled("properties.products[0].sku:A-1").args ==
          Args{std::string("$.properties.products[0].sku"), std::string("A-1")});
    CHECK(compiled("traits.name>M").args ==
          Args{std::string("$.traits.name"), std::string("$.traits.name"), std::string("M")});
    CHECK(compiled("properties.coupon:*").args == Args{std::string("$.properties.coupon")});
    CHECK(compiled("properties.flag:false").args ==
          Args{std::string("$.properties.flag"), std::string("false"),
               std::string("$.properties.flag"), std::string("false")});
    Sql text = compiled("\"Order Completed\"");
    CHECK(text.args == Args{std::string("*Order Completed*")});
    CHECK_FALSE(text.indexed);
    CHECK(compiled("type:track has:fault").indexed);
    CHECK(compiled("before:1970-01-02").args == Args{int64_t{86400000}});
}

TEST_CASE("filter compiler: free text is a GLOB with its wildcards escaped", "[filter]") {
    CHECK(contains_text("e.payload", "Grace").where == "e.payload GLOB ?");
    CHECK(contains_text("e.payload", "Grace").arg == "*Grace*");
    CHECK(contains_text("e.payload", "a*b?c[d]e").arg == "*a[*]b[?]c[[]d]e*");
    CHECK(contains_text("e.payload", "\"sku\":\"A-1\"").arg == "*\"sku\":\"A-1\"*");
    // A NUL byte would end the pattern: instr keeps the exact match.
    TextMatch nul = contains_text("e.payload", std::string("a\0b", 3));
    CHECK(nul.where == "instr(e.payload, ?) > 0");
    CHECK(nul.arg == std::string("a\0b", 3));
    CHECK(compiled("\"x*y\"").args == Args{std::string("*x[*]y*")});
}

TEST_CASE("filter compiler: narrowed marks terms that pick few events by index", "[filter]") {
    for (const char* text : {"user:u1 hello", "anon:a1,a2 properties.total>1", "id:5 hello",
                             "has:dup hello", "-id!=5", "type:track user:u1"}) {
        INFO(text);
        CHECK(compiled(text).narrowed);
    }
    for (const char* text : {"hello", "type:track hello", "event:E key:K hello", "-user:u1 hello",
                             "user!=u1", "id:>5 hello", "has:lint,dup", "has:fault",
                             "status:429 properties.total>1", "path:/v1/batch"}) {
        INFO(text);
        CHECK_FALSE(compiled(text).narrowed);
    }
}

TEST_CASE("filter compiler: no value ever appears in the SQL text", "[filter]") {
    const char* hostile[] = {
        R"(event:"x' OR 1=1 --")",
        R"(type:"track'); DROP TABLE events; --")",
        R"(user:"u' OR '1'='1")",
        R"(path:"/v1/batch' --")",
        R"(key:"a\"b")",
        R"(traits.plan:"free' OR 1=1 --")",
        R"(traits.plan>"m' OR 1=1 --")",
        R"("x' OR 1=1 --")",
        R"(-"x') OR (1=1")",
    };
    for (const char* text : hostile) {
        INFO(text);
        Sql sql = compiled(text);
        CHECK(sql.where.find("1=1") == std::string::npos);
        CHECK(sql.where.find("--") == std::string::npos);
        CHECK(sql.where.find("DROP") == std::string::npos);
        CHECK(sql.where.find('"') == std::string::npos);
        // The only quoted text is the compiler's own constants.
        std::string rest = sql.where;
        for (const char* constant : {"'[]'", "'integer'", "'real'", "'text'"}) {
            for (size_t at; (at = rest.find(constant)) != std::string::npos;) {
                rest.erase(at, std::string(constant).size());
            }
        }
        CHECK(rest.find('\'') == std::string::npos);
        bool bound = false;
        for (const auto& a : sql.args) {
            if (const auto* s = std::get_if<std::string>(&a)) {
                bound = bound || s->find('\'') != std::string::npos ||
                        s->find('"') != std::string::npos;
            }
        }
        CHECK(bound);
    }
    // JSON paths are bound too, not spliced.
    CHECK(compiled("properties.total>1").where.find("properties") == std::string::npos);
}

TEST_CASE("filter compiler: hand-built terms are checked too", "[filter]") {
    auto error_for = [](Term t) {
        Filter f;
        t.position = 3;
        f.terms.push_back(std::move(t));
        auto sql = compile(f);
        REQUIRE_FALSE(sql.ok());
        return sql.error().message;
    };
    Term bad_path;
    bad_path.field = Field::json_path;
    bad_path.path = "a' OR 1=1";
    bad_path.values = {"x"};
    CHECK(error_for(bad_path) == "filter: position 3: bad JSON path 'a' OR 1=1'");
    Term bad_status;
    bad_status.field = Field::status;
    bad_status.values = {"42"};
    CHECK(error_for(bad_status) == "filter: position 3: bad status '42'");
    Term no_value;
    no_value.field = Field::type;
    CHECK(error_for(no_value) == "filter: position 3: expected a value");
    Term ordered_type;
    ordered_type.field = Field::type;
    ordered_type.op = Op::gt;
    ordered_type.values = {"x"};
    CHECK(error_for(ordered_type).find("only id and JSON paths") != std::string::npos);
}
