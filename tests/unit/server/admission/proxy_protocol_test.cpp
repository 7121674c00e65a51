#include "admission/proxy_protocol.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace star::server::admission;
namespace pp = star::server::admission::proxy_protocol;

namespace {
std::string const signature("\r\n\r\n\0\r\nQUIT\n", 12);

std::string v2(unsigned char command, unsigned char family, std::string const& body) {
    std::string h = signature;
    h += static_cast<char>(0x20 | command);
    h += static_cast<char>(family);
    h += static_cast<char>(body.size() >> 8);
    h += static_cast<char>(body.size() & 0xff);
    return h + body;
}

std::string v2_tcp4(std::string tlvs = {}) {
    std::string body = {char(198), char(51), char(100), char(7), 127, 0, 0, 1, 0x12, 0x34, 0x23, char(0x82)};
    return v2(1, 0x11, body + tlvs);
}
}  // namespace

TEST_CASE("proxy protocol v1: TCP4, TCP6, UNKNOWN, and what follows stays") {
    std::string h = "PROXY TCP4 198.51.100.7 127.0.0.1 51234 9090\r\n";
    auto r = pp::parse(h + "GET / HTTP/1.1\r\n");
    REQUIRE(r.state == pp::status::done);
    CHECK(r.length == h.size());
    CHECK(r.source == parse_address("198.51.100.7"));
    r = pp::parse("PROXY TCP6 2001:db8::1 ::1 51234 9090\r\n");
    REQUIRE(r.state == pp::status::done);
    CHECK(r.source == parse_address("2001:db8::1"));
    r = pp::parse("PROXY UNKNOWN\r\n");
    REQUIRE(r.state == pp::status::done);
    CHECK_FALSE(r.source);
}

TEST_CASE("proxy protocol v1: truncated asks for more; malformed and oversized are refused") {
    std::string h = "PROXY TCP4 198.51.100.7 127.0.0.1 51234 9090\r\n";
    for (std::size_t n = 0; n < h.size(); ++n) CHECK(pp::parse(h.substr(0, n)).state == pp::status::need_more);
    for (auto bad :
         {"PROXY TCP4 198.51.100.7 127.0.0.1 51234\r\n", "PROXY TCP4 2001:db8::1 ::1 1 2\r\n",
          "PROXY TCP4 198.51.100.7 127.0.0.1 70000 9090\r\n", "PROXY TCP4 198.51.100.7 127.0.0.1 012 9090\r\n",
          "PROXY UDP4 198.51.100.7 127.0.0.1 1 2\r\n", "PROXY TCP4 a b 1 2\r\n", "GET / HTTP/1.1\r\n", "\x16\x03\x01"})
        CHECK(pp::parse(bad).state == pp::status::invalid);
    CHECK(pp::parse("PROXY TCP4 " + std::string(200, '1')).state == pp::status::invalid);  // no CRLF in 107 bytes
}

TEST_CASE("proxy protocol v2: IPv4, IPv6, LOCAL, TLVs") {
    auto h = v2_tcp4();
    auto r = pp::parse(h + "\x16\x03\x01");
    REQUIRE(r.state == pp::status::done);
    CHECK(r.length == h.size());
    CHECK(r.source == parse_address("198.51.100.7"));
    std::string v6body(36, '\0');
    v6body[0] = 0x20, v6body[1] = 0x01, v6body[2] = 0x0d, v6body[3] = char(0xb8), v6body[15] = 9;
    r = pp::parse(v2(1, 0x21, v6body));
    REQUIRE(r.state == pp::status::done);
    CHECK(r.source == parse_address("2001:db8::9"));
    r = pp::parse(v2(0, 0x00, ""));
    REQUIRE(r.state == pp::status::done);
    CHECK_FALSE(r.source);
    r = pp::parse(v2_tcp4(std::string(100, 'x')));  // TLVs are skipped
    REQUIRE(r.state == pp::status::done);
    CHECK(r.length == 16 + 12 + 100);
}

TEST_CASE("proxy protocol v2: truncated asks for more; malformed and oversized are refused") {
    auto h = v2_tcp4();
    for (std::size_t n = 0; n < h.size(); ++n) CHECK(pp::parse(h.substr(0, n)).state == pp::status::need_more);
    CHECK(pp::parse(v2_tcp4(std::string(pp::max_header, 'x'))).state == pp::status::invalid);  // too long
    std::string wrong_version = h;
    wrong_version[12] = 0x31;
    CHECK(pp::parse(wrong_version).state == pp::status::invalid);
    CHECK(pp::parse(v2(2, 0x11, std::string(12, '\0'))).state == pp::status::invalid);  // unknown command
    CHECK(pp::parse(v2(1, 0x11, std::string(8, '\0'))).state == pp::status::invalid);   // short address block
    CHECK(pp::parse(v2(1, 0x21, std::string(20, '\0'))).state == pp::status::invalid);
    CHECK(pp::parse(v2(1, 0x31, std::string(216, '\0'))).state == pp::status::invalid);  // AF_UNIX: no address
    std::string bad_signature = h;
    bad_signature[5] = 'X';
    CHECK(pp::parse(bad_signature).state == pp::status::invalid);
}
