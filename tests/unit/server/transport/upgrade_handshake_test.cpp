#include "transport/upgrade_handshake.hpp"

#include <catch2/catch.hpp>

using namespace star::server;
using namespace std::chrono_literals;
using step = upgrade_handshake::step;

namespace {
steady_time const t0 = std::chrono::steady_clock::now();
}

TEST_CASE("upgrade_handshake: 2probe is answered, the pending GET ends, 5 switches") {
    upgrade_handshake u;
    CHECK_FALSE(u.offered());
    CHECK(u.deadline() == steady_time::max());
    REQUIRE(u.offer(t0, 10s));
    CHECK(u.offered());
    CHECK_FALSE(u.probed());  // before the probe, GETs still wait for packets
    CHECK(u.deadline() == t0 + 10s);
    CHECK(u.on_packet("2probe") == step::answer_probe);
    CHECK(u.probed());  // from now on a GET is answered at once, a noop if nothing is queued
    CHECK(u.on_packet("5") == step::switch_transport);
    CHECK(u.upgraded());
    CHECK_FALSE(u.offered());
    CHECK(u.deadline() == steady_time::max());
}

TEST_CASE("upgrade_handshake: a second WebSocket is refused while one is offered, and after the upgrade") {
    upgrade_handshake u;
    REQUIRE(u.offer(t0, 10s));
    CHECK_FALSE(u.offer(t0, 10s));
    CHECK(u.on_packet("5") == step::switch_transport);  // as engine.io: "5" switches, probed or not
    CHECK_FALSE(u.offer(t0, 10s));
    CHECK(u.on_packet("2probe") == step::none);  // after the switch, packets are the session's
}

TEST_CASE("upgrade_handshake: a probe is answered each time it is sent") {
    upgrade_handshake u;
    REQUIRE(u.offer(t0, 10s));
    CHECK(u.on_packet("2probe") == step::answer_probe);
    CHECK(u.on_packet("2probe") == step::answer_probe);
    CHECK(u.probed());
}

TEST_CASE("upgrade_handshake: any other packet, or binary, aborts; the session goes on polling and may try again") {
    for (auto bad : {"4hello", "2", "3probe", "6", ""}) {
        upgrade_handshake u;
        REQUIRE(u.offer(t0, 10s));
        CHECK(u.on_packet("2probe") == step::answer_probe);
        CHECK(u.on_packet(bad) == step::abort);
        CHECK_FALSE(u.offered());
        CHECK_FALSE(u.probed());  // GETs wait for packets again
        CHECK_FALSE(u.upgraded());
        CHECK(u.offer(t0 + 1s, 10s));  // a new WebSocket may be offered
    }
    upgrade_handshake u;
    REQUIRE(u.offer(t0, 10s));
    CHECK(u.on_binary() == step::abort);
    CHECK_FALSE(u.offered());
}

TEST_CASE("upgrade_handshake: no 5 in time aborts; before the deadline, the timer does nothing") {
    upgrade_handshake u;
    REQUIRE(u.offer(t0, 10s));
    CHECK(u.on_packet("2probe") == step::answer_probe);
    CHECK(u.on_timer(t0 + 9s) == step::none);
    CHECK(u.probed());
    CHECK(u.on_timer(t0 + 10s) == step::abort);
    CHECK_FALSE(u.offered());
    CHECK(u.deadline() == steady_time::max());
    CHECK(u.on_timer(t0 + 20s) == step::none);
}

TEST_CASE("upgrade_handshake: the WebSocket closing before 5 ends the upgrade, not the session") {
    upgrade_handshake u;
    REQUIRE(u.offer(t0, 10s));
    CHECK(u.on_packet("2probe") == step::answer_probe);
    u.on_candidate_closed();
    CHECK_FALSE(u.offered());
    CHECK_FALSE(u.probed());
    CHECK_FALSE(u.upgraded());
    CHECK(u.on_packet("5") == step::none);  // a late packet from the closed WebSocket switches nothing
    u.on_candidate_closed();                // twice is harmless
    CHECK(u.offer(t0 + 1s, 10s));
}

TEST_CASE("upgrade_handshake: nothing happens before a WebSocket is offered") {
    upgrade_handshake u;
    CHECK(u.on_packet("2probe") == step::none);
    CHECK(u.on_packet("5") == step::none);
    CHECK(u.on_binary() == step::none);
    CHECK(u.on_timer(t0 + 100s) == step::none);
    CHECK_FALSE(u.upgraded());
}
