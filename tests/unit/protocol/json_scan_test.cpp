#include "protocol/json_scan.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace star::protocol;

TEST_CASE("json_scan accepts every kind of valid value") {
    for (auto text : {R"({"a":[1,2.5e-3,-0,true,false,null,"x\"y\\u00e9"],"b":{}})", "[]", "{}", "0", "-1.5E+10",
                      R"("\ud83d\ude00")", " [ 1 , { \"k\" : [ ] } ] "}) {
        INFO(text);
        CHECK(json::scan_whole(text));
    }
}

TEST_CASE("json_scan refuses invalid JSON") {
    for (auto text : {"",         "[",       "]",           "{",     R"({"a"})", R"({"a":})",   R"({a:1})", "[1,]",
                      "[,1]",     "01",      "1.",          "-",     "1e",       "tru",         "nul",      R"("abc)",
                      "\"a\nb\"", R"("\x")", R"("\u12G4")", "[1 2]", "{}{}",     R"({"a":1,})", "[1]x"}) {
        INFO(text);
        CHECK_FALSE(json::scan_whole(text));
    }
}

TEST_CASE("json_scan accepts any nesting depth without recursion, as JSON.parse does") {
    for (std::size_t levels : {1000u, 1025u, 10000u, 200000u}) {
        INFO(levels);
        auto arrays = json::scan_whole(std::string(levels, '[') + std::string(levels, ']'));
        REQUIRE(arrays);
        CHECK(arrays->type == json::kind::array);
        std::string objects;
        for (std::size_t i = 0; i < levels; ++i) objects += "{\"a\":[";
        objects += "1";
        for (std::size_t i = 0; i < levels; ++i) objects += "]}";
        auto mixed = json::scan_whole(objects);
        REQUIRE(mixed);
        CHECK(mixed->type == json::kind::object);
        CHECK(mixed->text.size() == objects.size());
    }
}

TEST_CASE("json_scan refuses deep input that does not close as it opened") {
    std::size_t const levels = 10000;
    CHECK_FALSE(json::scan_whole(std::string(100000, '[')));  // never closed
    CHECK_FALSE(json::scan_whole(std::string(levels, '[') + std::string(levels - 1, ']')));
    CHECK_FALSE(json::scan_whole(std::string(levels, '[') + std::string(levels + 1, ']')));
    // One bracket of the wrong kind deep inside, past the levels kept on the stack.
    std::string wrong = std::string(levels, '[') + std::string(levels, ']');
    wrong[levels + 3000] = '}';
    CHECK_FALSE(json::scan_whole(wrong));
    std::string objects;
    for (std::size_t i = 0; i < levels; ++i) objects += "{\"a\":";
    objects += "1";
    objects += std::string(levels, '}');
    CHECK(json::scan_whole(objects));
    objects[objects.size() - 2000] = ']';
    CHECK_FALSE(json::scan_whole(objects));
}

TEST_CASE("json_scan still bounds depth for a caller that asks") {
    CHECK(json::scan_whole(std::string(64, '[') + std::string(64, ']'), 64));
    CHECK_FALSE(json::scan_whole(std::string(65, '[') + std::string(65, ']'), 64));
    CHECK(json::scan_whole(R"({"a":{"b":1}})", 2));
    CHECK_FALSE(json::scan_whole(R"({"a":{"b":[]}})", 2));
}

TEST_CASE("for_each_element walks deeply nested elements") {
    std::string deep = std::string(10000, '[') + std::string(10000, ']');
    std::string const text = "[\"x\"," + deep + ",3]";  // a value views its text: keep it alive
    auto v = json::scan_whole(text);
    REQUIRE(v);
    std::vector<std::size_t> sizes;
    json::for_each_element(*v, [&](json::value const& e) {
        sizes.push_back(e.text.size());
        return true;
    });
    CHECK(sizes == std::vector<std::size_t>{3, deep.size(), 1});
}

TEST_CASE("json_scan reports the value's kind and exact text") {
    auto v = json::scan_whole(R"(  {"x": 1}  )");
    REQUIRE(v);
    CHECK(v->type == json::kind::object);
    CHECK(v->text == R"({"x": 1})");
}

TEST_CASE("for_each_member and for_each_element walk one level") {
    auto v = json::scan_whole(R"({"a":[1,2],"b\u0063":"s","d":{"e":1}})");
    REQUIRE(v);
    std::vector<std::string> keys;
    json::for_each_member(*v, [&](std::string_view key, json::value const&) {
        keys.push_back(json::unescape(key));
        return true;
    });
    CHECK(keys == std::vector<std::string>{"a", "bc", "d"});
    CHECK(json::key_equals(R"("b\u0063")", "bc"));
    CHECK_FALSE(json::key_equals(R"("bd")", "bc"));

    auto arr = json::scan_whole(R"([ "x" , 2 , [3] ])");
    std::vector<std::string> items;
    json::for_each_element(*arr, [&](json::value const& e) {
        items.emplace_back(e.text);
        return true;
    });
    CHECK(items == std::vector<std::string>{"\"x\"", "2", "[3]"});
}

TEST_CASE("unescape decodes escapes and surrogate pairs to UTF-8") {
    CHECK(json::unescape(R"("a\/b\n\t\"")") == "a/b\n\t\"");
    CHECK(json::unescape(R"("\u00e9")") == "\xc3\xa9");
    CHECK(json::unescape(R"("\ud83d\ude00")") == "\xf0\x9f\x98\x80");
    CHECK(json::unescape(R"("\ud83d")") == "\xef\xbf\xbd");  // lone surrogate
}

TEST_CASE("append_quoted escapes what JSON requires") {
    std::string out;
    json::append_quoted(out, "a\"b\\c\x01");
    CHECK(out == R"("a\"b\\c\u0001")");
    CHECK(json::scan_whole(out));
}

TEST_CASE("valid_utf8 accepts UTF-8 and refuses the rest") {
    CHECK(json::valid_utf8("plain ascii"));
    CHECK(json::valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
    CHECK_FALSE(json::valid_utf8("\xff"));
    CHECK_FALSE(json::valid_utf8("\xc3"));              // truncated
    CHECK_FALSE(json::valid_utf8("\xc0\xaf"));          // overlong '/'
    CHECK_FALSE(json::valid_utf8("\xed\xa0\x80"));      // a surrogate
    CHECK_FALSE(json::valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST_CASE("strings are scanned the same wherever an escape, quote or control byte falls") {
    // The scanner skips eight plain bytes at a time: put each special byte at every offset
    // around that stride, after ASCII and after multi-byte characters.
    for (std::size_t at = 0; at < 24; ++at) {
        for (std::string filler : {"a", "\xc3\xa9"}) {
            std::string plain;
            while (plain.size() < at) plain += filler;
            CHECK(json::scan_whole("\"" + plain + "\\n" + plain + "\""));
            CHECK(json::scan_whole("\"" + plain + "\\u00e9\""));
            CHECK(json::scan_whole("[\"" + plain + "\",\"" + plain + "\"]"));
            CHECK_FALSE(json::scan_whole("\"" + plain + "\n\""));  // a raw control byte
            CHECK_FALSE(json::scan_whole("\"" + plain + std::string(1, '\0') + "\""));
            CHECK_FALSE(json::scan_whole("\"" + plain + "\\x\""));  // a bad escape
            CHECK_FALSE(json::scan_whole("\"" + plain));            // never closed
            auto v = json::scan_whole("\"" + plain + "\"");
            REQUIRE(v);
            CHECK(v->text.size() == plain.size() + 2);
        }
    }
}

TEST_CASE("valid_utf8 finds a bad byte wherever it falls among ASCII runs") {
    for (std::size_t at = 0; at < 24; ++at) {
        std::string ascii(at, 'a');
        CHECK(json::valid_utf8(ascii + "\xc3\xa9" + ascii));
        CHECK_FALSE(json::valid_utf8(ascii + "\xc3" + ascii + "aaaaaaaa"));
        CHECK_FALSE(json::valid_utf8(ascii + "\xff" + ascii));
        CHECK_FALSE(json::valid_utf8(ascii + "\xed\xa0\x80" + ascii));  // a surrogate
    }
}
