#include "protocol/star_address.hpp"

#include "test_ids.hpp"

#include <catch2/catch.hpp>

using namespace star::protocol;

TEST_CASE("webrtc-star addresses of every host kind parse") {
    auto id = star::test::rsa_peer_id(1);
    for (auto host : {"/ip4/127.0.0.1", "/ip6/::1", "/dns4/localhost", "/dns6/example.org", "/dns/a-b.example.org",
                      "/dnsaddr/x.io"}) {
        INFO(host);
        auto r = parse_star_address(std::string(host) + "/tcp/443/wss/p2p-webrtc-star/p2p/" + id);
        REQUIRE(r.address);
        CHECK(r.address->peer_id == id);
        CHECK(r.address->key == id);
        CHECK(r.address->prefix() == std::string(host) + "/tcp/443/wss/p2p-webrtc-star");
    }
}

TEST_CASE("the legacy /ipfs/ form parses and keeps its style") {
    auto id = star::test::rsa_peer_id(2);
    auto legacy = parse_star_address("/ip4/1.2.3.4/tcp/9090/ws/p2p-webrtc-star/ipfs/" + id).address;
    REQUIRE(legacy);
    CHECK(legacy->legacy_ipfs);
    auto other = parse_star_address(star::test::star_addr(star::test::rsa_peer_id(3))).address;
    CHECK(address_for(*legacy, other->peer_id) == "/ip4/1.2.3.4/tcp/9090/ws/p2p-webrtc-star/ipfs/" + other->peer_id);
    CHECK(address_for(*other, legacy->peer_id) == "/ip4/127.0.0.1/tcp/9090/ws/p2p-webrtc-star/p2p/" + id);
}

TEST_CASE("announced addresses use the receiver's prefix") {
    auto a = parse_star_address(star::test::star_addr(star::test::rsa_peer_id(4), "/ip4/127.0.0.1")).address;
    auto b = parse_star_address(star::test::star_addr(star::test::rsa_peer_id(5), "/dns4/localhost")).address;
    CHECK(address_for(*a, b->peer_id) == "/ip4/127.0.0.1/tcp/9090/ws/p2p-webrtc-star/p2p/" + b->peer_id);
    CHECK(address_for(*b, a->peer_id) == "/dns4/localhost/tcp/9090/ws/p2p-webrtc-star/p2p/" + a->peer_id);
}

TEST_CASE("anything a client's multiaddr parser would choke on is refused with a reason") {
    auto id = star::test::rsa_peer_id(6);
    for (std::string text : std::vector<std::string>{
             std::string("bogus"), std::string(""), std::string("/"),
             "/ip4/1.2.3.4/tcp/1/ws/p2p-webrtc-star/p2p/notapeerid",
             "/ip4/999.1.1.1/tcp/1/ws/p2p-webrtc-star/p2p/" + id, "/ip4/1.2.3.4/tcp/70000/ws/p2p-webrtc-star/p2p/" + id,
             "/ip4/1.2.3.4/udp/1/ws/p2p-webrtc-star/p2p/" + id, "/ip4/1.2.3.4/tcp/1/http/p2p-webrtc-star/p2p/" + id,
             "/ip4/1.2.3.4/tcp/1/ws/p2p-websocket-star/p2p/" + id, std::string("/ip4/1.2.3.4/tcp/1/ws/p2p-webrtc-star"),
             "/ip4/1.2.3.4/tcp/1/ws/p2p-webrtc-star/p2p/" + id + "/extra", "/foo/x/tcp/1/ws/p2p-webrtc-star/p2p/" + id,
             "/dns4/bad host/tcp/1/ws/p2p-webrtc-star/p2p/" + id, "/ip6/zz/tcp/1/ws/p2p-webrtc-star/p2p/" + id,
             "/dns4//tcp/1/ws/p2p-webrtc-star/p2p/" + id,
             "/dns4/" + std::string(600, 'a') + "/tcp/1/ws/p2p-webrtc-star/p2p/" + id}) {
        INFO(text);
        auto r = parse_star_address(text);
        CHECK_FALSE(r.address);
        CHECK_FALSE(r.error.empty());
    }
}

TEST_CASE("star_address_key keeps the same rules and gives the same key") {
    for (auto const& text : {star::test::star_addr(star::test::rsa_peer_id(1)),
                             star::test::star_addr(star::test::ed25519_peer_id(2), "/dns4/x.example"),
                             std::string("/ip4/1.2.3.4/tcp/1/ws/p2p-webrtc-star/p2p/bogus"),
                             std::string("/ip4/1.2.3.4/tcp/1/ws/p2p-webrtc-star/p2p"), std::string("")}) {
        auto full = parse_star_address(text);
        auto key = star_address_key(text);
        REQUIRE(full.address.has_value() == key.has_value());
        if (key) CHECK(*key == full.address->key);
    }
}
