#include "protocol/clean.hpp"

#include <catch2/catch.hpp>

using namespace rm;

TEST_CASE("cleaning removes non-printable and invisible characters - then trims", "[clean]") {
    CHECK(clean_string("  user-1\t") == "user-1");
    CHECK(clean_string("  ab c ") == "ab c"); // printable ASCII: trimmed only
    CHECK(clean_string("   ") == "");
    CHECK(clean_string("") == "");
    CHECK(clean_string("a\xC2\xA0"
                       "b") == "ab"); // no-break space
    CHECK(clean_string("\xE2\x80\x8B"
                       "id\xEF\xBB\xBF") == "id");             // zero width space, BOM
    CHECK(clean_string("line\nbreak") == "linebreak");         // control
    CHECK(clean_string("caf\xC3\xA9 ok") == "caf\xC3\xA9 ok"); // letters and inner space
    CHECK(clean_string("\xE3\x80\x80") == "");                 // ideographic space
    CHECK(clean_string("\xE2\xA0\x80"
                       "x") == "x");                               // braille blank (invisible)
    CHECK(clean_string("\xF0\x9F\x98\x80") == "\xF0\x9F\x98\x80"); // emoji is a symbol
    CHECK(clean_string("\xEE\x80\x80"
                       "p") == "p"); // private use U+E000
}

TEST_CASE("printable classification follows letters - marks - numbers - punctuation - symbols",
          "[clean]") {
    CHECK(is_printable('A'));
    CHECK(is_printable(' '));
    CHECK(is_printable(0x0301)); // combining mark
    CHECK_FALSE(is_printable(0x7F));
    CHECK_FALSE(is_printable(0x2028)); // line separator
    CHECK_FALSE(is_printable(0x200E)); // format
    // Unicode 15.0 (Go's version): new in 15.0, so printable; still unassigned, so not.
    CHECK(is_printable(0x0CF3));  // Kannada sign combining anusvara above right (Mc)
    CHECK(is_printable(0x1E030)); // modifier letter Cyrillic small a (Lm)
    CHECK_FALSE(is_printable(0x0CF4));
    CHECK(is_invisible(0x3164));
    CHECK(is_invisible(0x2064));
    CHECK_FALSE(is_invisible('a'));
}
