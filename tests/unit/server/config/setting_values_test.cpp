#include "config/setting_values.hpp"

#include <catch2/catch.hpp>

using namespace star::server::setting_values;
using namespace std::chrono_literals;

TEST_CASE("durations take units; a bare number is milliseconds") {
    CHECK(parse_duration("10s") == 10s);
    CHECK(parse_duration("500ms") == 500ms);
    CHECK(parse_duration("1.5s") == 1500ms);
    CHECK(parse_duration("2m") == 120s);
    CHECK(parse_duration("250") == 250ms);
    for (auto bad : {"", "banana", "10x", "-1s", "s"}) {
        INFO(bad);
        CHECK_THROWS_AS(parse_duration(bad), std::invalid_argument);
    }
}

TEST_CASE("sizes take binary and decimal units") {
    CHECK(parse_size("1000000") == 1000000);
    CHECK(parse_size("64KiB") == 65536);
    CHECK(parse_size("4MiB") == 4u << 20);
    CHECK(parse_size("1MB") == 1000000);
    CHECK_THROWS_AS(parse_size("lots"), std::invalid_argument);
    CHECK_THROWS_AS(parse_size("1TB"), std::invalid_argument);
}

TEST_CASE("durations and sizes are written in their largest whole unit, and read back unchanged") {
    using std::chrono::milliseconds;
    CHECK(format_duration(milliseconds(25'000)) == "25s");
    CHECK(format_duration(milliseconds(100)) == "100ms");
    CHECK(format_duration(milliseconds(1'500)) == "1500ms");
    CHECK(format_duration(milliseconds(0)) == "0ms");
    CHECK(format_size(4u << 20) == "4MiB");
    CHECK(format_size(64 * 1024) == "64KiB");
    CHECK(format_size(1'000'000) == "1000000");
    CHECK(format_size(0) == "0");
    for (auto ms : {0, 1, 20, 999, 1'000, 60'000, 90'500, 3'600'000})
        CHECK(parse_duration(format_duration(milliseconds(ms))) == milliseconds(ms));
    for (std::uint64_t n : {0ull, 1ull, 1023ull, 1024ull, 1'000'000ull, 3ull << 20, (1ull << 40)})
        CHECK(parse_size(format_size(n)) == n);
}

TEST_CASE("unsigned values are range-checked") {
    CHECK(parse_unsigned("9090", 0, 65535) == 9090);
    CHECK_THROWS_WITH(parse_unsigned("70000", 0, 65535), "expected an integer from 0 to 65535");
    CHECK_THROWS_AS(parse_unsigned("12a", 0, 65535), std::invalid_argument);
    CHECK_THROWS_AS(parse_unsigned("", 0, 65535), std::invalid_argument);
}

TEST_CASE("booleans and log levels") {
    CHECK(parse_bool("true"));
    CHECK_FALSE(parse_bool("0"));
    CHECK_THROWS_AS(parse_bool("maybe"), std::invalid_argument);
    CHECK(parse_log_level("debug") == "debug");
    CHECK_THROWS_AS(parse_log_level("loud"), std::invalid_argument);
}
