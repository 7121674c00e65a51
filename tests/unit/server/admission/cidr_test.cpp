#include "admission/cidr.hpp"

#include <catch2/catch.hpp>

using namespace star::server::admission;

namespace {
ip_address addr(char const* text) { return *parse_address(text); }
}  // namespace

TEST_CASE("cidr: IPv4 and IPv6 ranges contain what they should") {
    auto v4 = *parse_cidr("10.1.0.0/16");
    CHECK(v4.contains(addr("10.1.255.3")));
    CHECK_FALSE(v4.contains(addr("10.2.0.1")));
    CHECK(v4.contains(addr("::ffff:10.1.2.3")));  // IPv4-mapped is IPv4
    CHECK_FALSE(v4.contains(addr("2001:db8::1")));
    auto v6 = *parse_cidr("2001:db8:1::/48");
    CHECK(v6.contains(addr("2001:db8:1:ffff::9")));
    CHECK_FALSE(v6.contains(addr("2001:db8:2::1")));
    CHECK_FALSE(v6.contains(addr("10.1.2.3")));
    CHECK(parse_cidr("10.1.2.3/8")->text() == "10.0.0.0/8");  // host bits cleared
    CHECK(parse_cidr("0.0.0.0/0")->contains(addr("203.0.113.9")));
    CHECK(parse_cidr("127.0.0.2")->contains(addr("127.0.0.2")));
    CHECK_FALSE(parse_cidr("127.0.0.2")->contains(addr("127.0.0.1")));
    CHECK(parse_cidr("::ffff:10.0.0.0/104")->text() == "10.0.0.0/8");
}

TEST_CASE("cidr: what is not a range is refused") {
    for (auto bad : {"", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/8x", "10.0.0/8", "2001:db8::/129", "host/8", "/8",
                     "10.0.0.0/-1", "fe80::1%eth0/64"})
        CHECK_FALSE(parse_cidr(bad));
    CHECK_THROWS_AS(parse_cidr_list("10.0.0.0/8, nonsense"), std::invalid_argument);
}

TEST_CASE("cidr: lists from flags and files") {
    auto l = parse_cidr_list("10.0.0.0/8,192.168.1.1 # a comment, 1.2.3.4\n\n2001:db8::/32\t172.16.0.0/12");
    CHECK(l.size() == 4);
    CHECK(l.contains(addr("192.168.1.1")));
    CHECK_FALSE(l.contains(addr("1.2.3.4")));  // commented out
    CHECK(l.contains(addr("2001:db8::5")));
    CHECK(parse_cidr_list("").empty());
}

TEST_CASE("cidr: addresses as headers write them") {
    CHECK(parse_address("203.0.113.7:4711") == addr("203.0.113.7"));
    CHECK(parse_address("[2001:db8::1]:4711") == addr("2001:db8::1"));
    CHECK(parse_address("[2001:db8::1]") == addr("2001:db8::1"));
    CHECK(parse_address("::ffff:1.2.3.4")->is_v4());
    for (auto bad : {"", "unknown", "_hidden", "[1.2.3.4]", "[2001:db8::1", "1.2.3.4:80:90", "999.1.1.1"})
        CHECK_FALSE(parse_address(bad));
}

TEST_CASE("cidr: the aggregation key is a /32 for IPv4 and a /64 for IPv6 by default") {
    CHECK(aggregation_key(addr("203.0.113.7")) == "203.0.113.7");
    CHECK(aggregation_key(addr("::ffff:203.0.113.7")) == "203.0.113.7");
    CHECK(aggregation_key(addr("2001:db8:0:1:aaaa::1")) == aggregation_key(addr("2001:db8:0:1:bbbb::2")));
    CHECK(aggregation_key(addr("2001:db8:0:1::1")) != aggregation_key(addr("2001:db8:0:2::1")));
    CHECK(aggregation_key(addr("203.0.113.7"), 24) == aggregation_key(addr("203.0.113.200"), 24));
    CHECK(aggregation_key(addr("2001:db8:0:1::1"), 32, 128) != aggregation_key(addr("2001:db8:0:1::2"), 32, 128));
}
