#include <catch2/catch.hpp>

#include <stdexcept>

#include "../src/peer_id.hpp"
#include "../src/target_url.hpp"

using namespace webrtc_star::bench;

TEST_CASE("target_url: schemes, default ports and TLS", "[target_url]") {
    auto ws = parse_target_url("ws://127.0.0.1:9090/socket.io/");
    REQUIRE_FALSE(ws.tls);
    REQUIRE(ws.port == 9090);
    REQUIRE(ws.path == "/socket.io/");
    REQUIRE(ws.request_target(3) == "/socket.io/?EIO=3&transport=websocket");
    auto wss = parse_target_url("wss://star.example.org");
    REQUIRE(wss.tls);
    REQUIRE(wss.port == 443);
    REQUIRE(wss.path == "/socket.io-next/");
    REQUIRE(wss.host_header() == "star.example.org:443");
    REQUIRE(parse_target_url("https://h/").tls);
    REQUIRE(parse_target_url("http://h/").port == 80);
    REQUIRE(parse_target_url("http://h/").path == "/socket.io-next/");
    REQUIRE(parse_target_url("ws://h/?EIO=3").path == "/socket.io-next/");
}

TEST_CASE("target_url: IPv6 and the EIO of the query", "[target_url]") {
    auto v6 = parse_target_url("ws://[::1]:8080/socket.io-next/?EIO=3");
    REQUIRE(v6.host == "::1");
    REQUIRE(v6.host_header() == "[::1]:8080");
    REQUIRE(v6.eio == 3);
    REQUIRE(v6.path == "/socket.io-next/");
    REQUIRE(parse_target_url("ws://h/socket.io/").eio == 0);
}

TEST_CASE("target_url: bad URLs say what is wrong", "[target_url]") {
    REQUIRE_THROWS_WITH(parse_target_url("ftp://h/"), Catch::Contains("must start with"));
    REQUIRE_THROWS_WITH(parse_target_url("ws://h:0/"), Catch::Contains("bad port"));
    REQUIRE_THROWS_WITH(parse_target_url("ws://h:99999/"), Catch::Contains("bad port"));
    REQUIRE_THROWS_WITH(parse_target_url("ws://:80/"), Catch::Contains("no host"));
    REQUIRE_THROWS_WITH(parse_target_url("ws://[::1/"), Catch::Contains("IPv6"));
    REQUIRE_THROWS_WITH(parse_target_url("ws://h/?EIO=5"), Catch::Contains("EIO=5"));
}

TEST_CASE("listen_multiaddr: names, addresses and TLS", "[peer_id]") {
    REQUIRE(listen_multiaddr("star.test", 443, "Qm", true) == "/dns4/star.test/tcp/443/wss/p2p-webrtc-star/p2p/Qm");
    REQUIRE(listen_multiaddr("localhost", 80, "Qm") == "/ip4/127.0.0.1/tcp/80/ws/p2p-webrtc-star/p2p/Qm");
    REQUIRE(listen_multiaddr("::1", 80, "Qm").rfind("/ip6/::1/", 0) == 0);
}
