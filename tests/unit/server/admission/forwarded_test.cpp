#include "admission/forwarded.hpp"

#include <catch2/catch.hpp>

using namespace star::server::admission;

namespace {
ip_address addr(char const* text) { return *parse_address(text); }
auto const trusted = parse_cidr_list("127.0.0.1, 10.0.0.0/8");
}  // namespace

TEST_CASE("forwarded: headers from an untrusted peer are ignored") {
    auto r = resolve_client(addr("203.0.113.9"), "", "1.2.3.4", trusted);
    CHECK(r.address == addr("203.0.113.9"));
    CHECK_FALSE(r.forwarded);
    CHECK(resolve_client(addr("203.0.113.9"), "for=1.2.3.4", "", trusted).address == addr("203.0.113.9"));
}

TEST_CASE("forwarded: X-Forwarded-For is walked from the right past trusted hops") {
    CHECK(resolve_client(addr("127.0.0.1"), "", "198.51.100.4", trusted).address == addr("198.51.100.4"));
    // A client's own forged entry on the left is not believed: the first untrusted hop from the right is.
    auto r = resolve_client(addr("127.0.0.1"), "", "6.6.6.6, 198.51.100.4, 10.1.1.1", trusted);
    CHECK(r.address == addr("198.51.100.4"));
    CHECK(r.forwarded);
    // Every hop trusted: the leftmost is the client.
    CHECK(resolve_client(addr("127.0.0.1"), "", "10.0.0.5, 10.0.0.6", trusted).address == addr("10.0.0.5"));
    CHECK(resolve_client(addr("::ffff:127.0.0.1"), "", "2001:db8::7", trusted).address == addr("2001:db8::7"));
    CHECK(resolve_client(addr("127.0.0.1"), "", "", trusted).address == addr("127.0.0.1"));
}

TEST_CASE("forwarded: RFC 7239 Forwarded, quoted IPv6 with a port, other parameters") {
    auto r = resolve_client(addr("127.0.0.1"),
                            R"(for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8:cafe::17]:4711")", "9.9.9.9",
                            trusted);
    CHECK(r.address == addr("2001:db8:cafe::17"));  // Forwarded wins over X-Forwarded-For
    CHECK(resolve_client(addr("127.0.0.1"), "proto=https;for=192.0.2.60", "", trusted).address == addr("192.0.2.60"));
}

TEST_CASE("forwarded: a malformed header from a trusted proxy gives the proxy, and says so") {
    for (auto xff : {"not-an-address", "1.2.3.4,,", "1.2.3.4, unknown", "[::1", "1.2.3.4 5.6.7.8"}) {
        auto r = resolve_client(addr("127.0.0.1"), "", xff, trusted);
        CHECK(r.address == addr("127.0.0.1"));
        CHECK(r.malformed);
    }
    for (auto fwd : {"for", "for=unknown", "for=_hidden", "proto=http", "for=\"[2001:db8::1\""}) {
        auto r = resolve_client(addr("127.0.0.1"), fwd, "", trusted);
        CHECK(r.address == addr("127.0.0.1"));
        CHECK(r.malformed);
    }
    std::string long_chain;
    for (int i = 0; i < 40; ++i) long_chain += "10.0.0.1, ";
    long_chain += "1.2.3.4";
    CHECK(resolve_client(addr("127.0.0.1"), "", long_chain, trusted).malformed);
}
