#include "util/plural.hpp"

#include <catch2/catch.hpp>

using namespace rm;

TEST_CASE("counted: singular for exactly one", "[plural]") {
    CHECK(counted(1, "event matches", "events match") == "1 event matches");
    CHECK(counted(0, "event matches", "events match") == "0 events match");
    CHECK(counted(2, "event", "events") == "2 events");
    CHECK(counted(1000000, "rule", "rules") == "1000000 rules");
}
