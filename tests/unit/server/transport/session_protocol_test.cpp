#include "transport/session_protocol.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace star::server;
using namespace std::chrono_literals;
using star::protocol::engineio::version;

namespace {

struct recorder : session_protocol_events {
    std::vector<std::string> sent;
    std::vector<std::string> closed;
    std::vector<std::string> joins;
    int handshakes = 0, leaves = 0, left = 0, violations = 0;

    void send_packet(std::string p) override { sent.push_back(std::move(p)); }
    void close_session(std::string_view why, bool violation) override {
        closed.emplace_back(why);
        violations += violation;
    }
    void join(star::protocol::star_address a, std::optional<std::uint64_t>) override { joins.push_back(a.key); }
    void leave() override { ++leaves; }
    void handshake(routed_handshake) override { ++handshakes; }
    void left_namespace() override { ++left; }
};

struct fixture {
    config cfg;
    metrics stats;
    recorder out;
    steady_time t0 = std::chrono::steady_clock::now();
    session_protocol p;

    explicit fixture(version v = version::v4, config c = {}) : cfg(c), p(v, "sid1", cfg, stats, out) {
        p.open(t0, true);
    }
    std::uint64_t errors(std::string_view reason) {
        for (std::size_t i = 0; i < stats.protocol_errors.labels.size(); ++i)
            if (stats.protocol_errors.labels[i] == reason) return stats.protocol_errors.values[i].load();
        return 0;
    }
};

std::string const join_addr =
    "/ip4/127.0.0.1/tcp/9090/ws/p2p-webrtc-star/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC";

}  // namespace

TEST_CASE("session_protocol opens with the offer of an upgrade and joins Engine.IO 3 clients at once") {
    fixture v4;
    REQUIRE(v4.out.sent.size() == 1);
    CHECK(v4.out.sent[0] ==
          R"(0{"sid":"sid1","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
    fixture v3(version::v3);
    REQUIRE(v3.out.sent.size() == 2);
    CHECK(v3.out.sent[1] == "40");
}

TEST_CASE("session_protocol: Engine.IO 4 heartbeat: ping after the interval, close without a pong") {
    fixture f;
    auto first = f.p.next_deadline();
    CHECK(first >= f.t0 + 12500ms);
    CHECK(first <= f.t0 + 25000ms);
    f.p.on_packet("40", f.t0 + 1ms);
    f.p.on_timer(first);
    CHECK(f.out.sent.back() == "2");
    CHECK(f.p.next_deadline() == first + 20000ms);
    f.p.on_packet("3", first + 10ms);  // pong: the next ping an interval later
    CHECK(f.p.next_deadline() == first + 10ms + 25000ms);
    f.p.on_timer(f.p.next_deadline());
    CHECK(f.out.sent.back() == "2");
    f.p.on_timer(f.p.next_deadline());  // no pong in time
    CHECK(f.out.closed == std::vector<std::string>{"ping timeout"});
    CHECK(f.stats.heartbeat_timeouts == 1);
    CHECK(f.p.next_deadline() == steady_time::max());
}

TEST_CASE("session_protocol: Engine.IO 3 heartbeat: the client pings, silence closes") {
    fixture f(version::v3);
    f.p.on_packet("2", f.t0 + 1000ms);
    CHECK(f.out.sent.back() == "3");
    CHECK(f.p.next_deadline() == f.t0 + 1000ms + 45000ms);
    // Outside an upgrade a ping's data is not echoed: engine.io answers every ping with a bare pong.
    f.p.on_packet("2probe", f.t0 + 2000ms);
    CHECK(f.out.sent.back() == "3");
    CHECK(f.p.next_deadline() == f.t0 + 2000ms + 45000ms);
    f.p.on_timer(f.p.next_deadline());
    CHECK(f.out.closed == std::vector<std::string>{"ping timeout"});
}

TEST_CASE("session_protocol: heartbeats in the wrong direction close, as engine.io") {
    fixture v4;
    v4.p.on_packet("2", v4.t0);
    CHECK(v4.out.closed.size() == 1);
    CHECK(v4.errors("heartbeat_direction") == 1);
    fixture v3(version::v3);
    v3.p.on_packet("3", v3.t0);
    CHECK(v3.out.closed.size() == 1);
}

TEST_CASE("session_protocol: no Socket.IO CONNECT within the deadline closes") {
    fixture f;
    CHECK(f.p.next_deadline() <= f.t0 + 25000ms);
    f.p.on_timer(f.t0 + 45000ms);
    CHECK(f.out.closed == std::vector<std::string>{"no Socket.IO connect in time"});
}

TEST_CASE("session_protocol closes on what socket.io's parser refuses") {
    struct bad_case {
        std::string packet;
        std::string_view reason;
        bool connect_first;
    };
    std::vector<bad_case> cases = {
        {"abc", "bad_engineio_packet", false},
        {"", "bad_engineio_packet", false},
        {"4abc", "bad_socketio_packet", false},
        {"49", "bad_socketio_packet", true},
        {"42{}", "bad_payload", true},
        {"42abc[\"x\"]", "bad_payload", true},
        {"42[]", "bad_payload", true},
        {"42[\"connect\"]", "bad_payload", true},
        {"42[null]", "bad_payload", true},
        {"42[\"x\"", "bad_payload", true},
        {"40[1]", "bad_payload", false},
        {"41x", "bad_payload", true},
        {"451-[\"x\",{\"_placeholder\":true,\"num\":0}]", "binary_unsupported", true},
        {"42[\"ss-join\"]", "namespace_not_connected", false},
        {"42/chat,[\"x\"]", "namespace_not_connected", true},
        {"44{\"message\":\"x\"}", "namespace_not_connected", true},
    };
    for (auto const& c : cases) {
        INFO(c.packet);
        fixture f;
        if (c.connect_first) f.p.on_packet("40", f.t0);
        f.p.on_packet(c.packet, f.t0);
        CHECK(f.out.closed.size() == 1);
        CHECK(f.errors(c.reason) == 1);
        CHECK(f.p.closed());
        f.p.on_packet("42[\"ss-join\",\"" + join_addr + "\"]", f.t0);
        CHECK(f.out.joins.empty());
    }
    fixture f;
    f.p.on_binary();
    CHECK(f.errors("binary_unsupported") == 1);
}

TEST_CASE("session_protocol drops well-formed events it does not accept and keeps the session") {
    fixture f;
    f.p.on_packet("40", f.t0);
    for (std::string p : {"42[\"no-such-event\",1,2]", "42[1]", "42[\"ss-handshake\",null]", "42[\"ss-handshake\",1]",
                          "42[\"ss-join\",{\"a\":[[[[1]]]]}]", "43[1]", "42[\"ss-handshake\",{\"x\":1}]"}) {
        f.p.on_packet(p, f.t0);
    }
    CHECK(f.out.closed.empty());
    CHECK(f.out.handshakes == 0);
    f.p.on_packet("42[\"ss-join\",\"" + join_addr + "\"]", f.t0);
    CHECK(f.out.joins.size() == 1);
    f.p.on_packet("40/other,", f.t0);
    CHECK(f.out.sent.back() == R"(44/other,{"message":"Invalid namespace"})");
    CHECK(f.out.closed.empty());
}

TEST_CASE("session_protocol: DISCONNECT leaves, and later events close") {
    fixture f;
    f.p.on_packet("40", f.t0);
    CHECK(f.out.sent.back() == R"(40{"sid":"sid1"})");
    f.p.on_packet("41", f.t0);
    CHECK(f.out.left == 1);
    f.p.on_packet("42[\"ss-leave\"]", f.t0);
    CHECK(f.out.closed.size() == 1);
}

TEST_CASE("session_protocol rate-limits messages, not heartbeats") {
    config c;
    c.max_messages_per_second = 2;
    fixture f(version::v4, c);
    f.p.on_packet("40", f.t0);
    for (int i = 0; i < 10; ++i) f.p.on_packet("42[\"x\"]", f.t0);
    CHECK(f.stats.dropped.values[4] >= 6);  // "rate_limited"
    CHECK(f.out.closed.empty());
}
