#include <catch2/catch.hpp>

#include <set>

#include "../common/json_scan.hpp"
#include "../common/socket_io.hpp"
#include "../src/messages.hpp"
#include "../src/peer_id.hpp"

namespace scan = webrtc_star::scan;
namespace sio = webrtc_star::sio;
using namespace webrtc_star::bench;

TEST_CASE("json_scan finds keys, not values", "[json_scan]") {
    std::string_view j = R"({"signal":{"type":"answer"}, "answer" : true,"intentId":"7-3"})";
    REQUIRE(scan::string_field(j, "type") == "answer");
    REQUIRE(scan::bool_field(j, "answer") == true);
    REQUIRE(scan::string_field(j, "intentId") == "7-3");
    REQUIRE_FALSE(scan::has_field(j, "err"));
    REQUIRE(scan::peer_id_of("/ip4/1.2.3.4/tcp/1/ws/p2p-webrtc-star/p2p/QmX") == "QmX");
}

TEST_CASE("socket.io event parsing", "[socket_io]") {
    sio::event ev;
    REQUIRE(sio::parse_event(R"(42["ws-peer","/ip4/x"])", ev));
    REQUIRE(ev.name == "ws-peer");
    REQUIRE(ev.payload == R"("/ip4/x")");
    REQUIRE(sio::parse_event(R"(4212["ss-handshake",{"a":1}])", ev));
    REQUIRE(ev.payload == R"({"a":1})");
    REQUIRE_FALSE(sio::parse_event("42", ev));
    REQUIRE(sio::classify("2") == sio::packet_kind::eio_ping);
    REQUIRE(sio::classify("40{}") == sio::packet_kind::sio_connect);
    REQUIRE(sio::classify("0{}") == sio::packet_kind::eio_open);
}

TEST_CASE("peer ids are valid-looking, distinct and deterministic", "[peer_id]") {
    std::set<std::string> seen;
    for (std::uint64_t i = 0; i < 2000; ++i) {
        auto id = peer_id_for(i, 1);
        REQUIRE(id.size() == 46);
        REQUIRE(id.substr(0, 2) == "Qm");
        REQUIRE(seen.insert(id).second);
    }
    REQUIRE(peer_id_for(5, 1) == peer_id_for(5, 1));
    REQUIRE(base58btc(std::string("\0\0\x01", 3)) == "112");
}

TEST_CASE("offer frames have the requested size and stay valid", "[messages]") {
    auto addr = listen_multiaddr("127.0.0.1", 13579, peer_id_for(1));
    message_factory f(600, addr.size());
    auto offer = f.offer("1234567-1234567", addr, addr);  // a typical id length
    REQUIRE(offer.size() == 600);
    sio::event ev;
    REQUIRE(sio::parse_event(offer, ev));
    REQUIRE(ev.name == "ss-handshake");
    REQUIRE(scan::string_field(ev.payload, "type") == "offer");
    REQUIRE(scan::string_field(ev.payload, "dstMultiaddr") == addr);
    auto answer = f.answer("1-0", addr, addr);
    REQUIRE(scan::bool_field(answer, "answer") == true);
    REQUIRE(make_sdp(100, true).size() == 100);
}
