#include "signalling/signalling_hub.hpp"

#include "protocol/client_event.hpp"
#include "server/signalling_fakes.hpp"
#include "test_ids.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <algorithm>

using namespace star::server;
using star::test::recording_backend;
using star::test::recording_link;
namespace protocol = star::protocol;

namespace {

std::string const L = star::test::rsa_peer_id(10), R = star::test::rsa_peer_id(11), X = star::test::rsa_peer_id(12);

struct federation_fixture {
    boost::asio::io_context io;
    config cfg;
    metrics stats;
    recording_backend remote;
    signalling_hub hub{io.get_executor(), cfg, stats, remote};

    federation_fixture() { cfg.join_announce_delay = std::chrono::milliseconds(0); }
    void run() {
        io.restart();
        io.poll();  // what is ready, not the refresh timer
    }
    std::shared_ptr<recording_link> join(std::uint64_t id, std::string const& peer) {
        auto l = std::make_shared<recording_link>(id, io.get_executor());
        hub.join(l, *protocol::parse_star_address(star::test::star_addr(peer)).address, std::nullopt);
        run();
        return l;
    }
    routed_handshake handshake(std::string const& src, std::string const& dst, std::string const& intent, bool answer) {
        return {
            src, dst, intent, answer, handshake_frame(protocol::ws_handshake_frame(payload(src, dst, intent, answer))),
            {}};
    }
    // What a client sends, as another server forwards it: a valid ss-handshake object.
    static std::string payload(std::string const& src, std::string const& dst, std::string const& intent, bool answer,
                               std::string const& signal = R"({"type":"x"})") {
        return R"({"intentId":")" + intent + R"(","srcMultiaddr":")" + star::test::star_addr(src) +
               R"(","dstMultiaddr":")" + star::test::star_addr(dst) + R"(","signal":)" + signal +
               (answer ? R"(,"answer":true})" : "}");
    }
    static remote_signal signal(std::string const& server, std::string const& src, std::string const& dst,
                                std::string const& intent, bool answer) {
        return {server, src, dst, intent, answer, false, payload(src, dst, intent, answer)};
    }
    std::uint64_t dropped(std::string_view reason) { return star::test::dropped(stats, reason); }
    // L joined here, and R announced by server "there".
    std::shared_ptr<recording_link> join_with_remote_peer() {
        auto l = join(1, L);
        hub.remote_presence("there", {R}, presence_change::snapshot);
        run();
        return l;
    }
};

}  // namespace

TEST_CASE_METHOD(federation_fixture, "local joins and leaves are announced; remote peers are announced locally") {
    auto l = join(1, L);
    REQUIRE(remote.announced.size() == 1);
    CHECK(remote.announced[0].first == presence_change::joined);
    hub.remote_presence("there", {R}, presence_change::joined);
    run();
    REQUIRE(l->frames.size() == 1);
    CHECK(l->frames[0] == R"(42["ws-peer","/ip4/127.0.0.1/tcp/9090/ws/p2p-webrtc-star/p2p/)" + R + "\"]");
    CHECK(stats.remote_peers.load() == 1);
    hub.disconnected(l);
    run();
    CHECK(remote.announced.back().first == presence_change::left);
}

TEST_CASE_METHOD(federation_fixture, "offers to remote peers cross; answers come back only for offers made") {
    auto l = join_with_remote_peer();
    l->frames.clear();
    hub.handshake(l, handshake(L, R, "i1", false));
    run();
    REQUIRE(remote.sent.size() == 1);
    CHECK(remote.sent[0].server == "there");
    CHECK(remote.sent[0].payload == payload(L, R, "i1", false));
    // The answer from "there", for the offer made: delivered.
    hub.remote_signal(signal("there", L, R, "i1", true));
    run();
    REQUIRE(l->frames.size() == 1);
    CHECK(stats.dials_success.load() == 1);
    // An answer for an intent never offered, or from a server that does not hold R: dropped.
    hub.remote_signal(signal("there", L, R, "i2", true));
    hub.remote_signal(signal("elsewhere", L, R, "i1", true));
    run();
    CHECK(l->frames.size() == 1);
    CHECK(dropped("unknown_intent") == 1);
    CHECK(dropped("remote_spoofed") == 1);
}

TEST_CASE_METHOD(federation_fixture, "remote offers reach local peers only from the server holding the sender") {
    auto l = join_with_remote_peer();
    l->frames.clear();
    hub.remote_signal(signal("there", R, L, "i1", false));
    hub.remote_signal(signal("elsewhere", R, L, "i2", false));
    run();
    REQUIRE(l->frames.size() == 1);
    CHECK(l->frames[0] == R"(42["ws-handshake",)" + payload(R, L, "i1", false) + "]");
    // An offer for a peer not here goes back as "unavailable" to its server: a failed dial here too.
    hub.remote_signal(signal("there", R, X, "i3", false));
    run();
    REQUIRE(remote.sent.size() == 1);
    CHECK(remote.sent[0].unavailable);
    CHECK(remote.sent[0].server == "there");
    CHECK(stats.dials_failure.load() == 1);
}

TEST_CASE_METHOD(federation_fixture, "a peer id held on another server cannot be joined here") {
    hub.remote_presence("there", {R}, presence_change::snapshot);
    run();
    auto thief = join(1, R);
    REQUIRE(thief->frames.size() == 1);
    CHECK(thief->frames[0].find("already joined on server there") != std::string::npos);
    CHECK(stats.peers.load() == 0);
    // And a remote claim on a local peer is ignored.
    auto l = join(2, L);
    hub.remote_presence("there", {L}, presence_change::joined);
    run();
    CHECK(stats.remote_peers.load() == 1);
}

TEST_CASE_METHOD(federation_fixture, "an offer from a peer whose join has not arrived counts as its join") {
    auto l = join(1, L);
    l->frames.clear();
    // R's join envelope is still on its way; its server's offer comes first.
    hub.remote_signal(signal("there", R, L, "i1", false));
    run();
    REQUIRE(l->frames.size() == 2);  // its offer, and R in the newcomer batch
    CHECK(std::count(l->frames.begin(), l->frames.end(), R"(42["ws-handshake",)" + payload(R, L, "i1", false) + "]") ==
          1);
    CHECK(std::count_if(l->frames.begin(), l->frames.end(),
                        [](auto& f) { return f.find("ws-peer") != std::string::npos; }) == 1);
    CHECK(stats.remote_peers.load() == 1);
    // The answer goes back to R's server.
    hub.handshake(l, handshake(R, L, "i1", true));
    run();
    REQUIRE(remote.sent.size() == 1);
    CHECK(remote.sent[0].server == "there");
    // But a peer held by one server cannot be spoken for by another.
    hub.remote_signal(signal("elsewhere", R, L, "i2", false));
    run();
    CHECK(l->frames.size() == 2);
}

TEST_CASE_METHOD(federation_fixture, "stop publishes the leave of every peer still joined, stops the backend, once") {
    auto l1 = join(1, L);
    auto l2 = join(2, X);
    remote.announced.clear();
    hub.stop();
    REQUIRE(remote.announced.size() == 1);
    CHECK(remote.announced[0].first == presence_change::left);
    CHECK(remote.announced[0].second.size() == 2);
    CHECK(remote.stops == 1);
    hub.stop();
    CHECK(remote.stops == 1);
    CHECK(remote.announced.size() == 1);
    run();  // the presence timer, had it fired, announces nothing after the leaves
    CHECK(remote.announced.size() == 1);
}

TEST_CASE_METHOD(federation_fixture, "a remote handshake is validated as a local one before any client sees it") {
    auto l = join_with_remote_peer();
    l->frames.clear();
    auto no_signal = signal("there", R, L, "i1", false);
    no_signal.payload = payload(R, L, "i1", false, R"("offer")");
    auto missing = signal("there", R, L, "i2", false);
    missing.payload = R"({"intentId":"i2"})";
    auto oversized = signal("there", R, L, "i3", false);
    oversized.payload = payload(R, L, "i3", false, R"({"sdp":")" + std::string(cfg.max_message_size, 'v') + R"("})");
    auto other_dst = signal("there", R, L, "i4", false);
    other_dst.payload = payload(R, X, "i4", false);  // routed to L, but says X
    auto not_json = signal("there", R, L, "i5", false);
    not_json.payload = "{";
    for (auto* s : {&no_signal, &missing, &oversized, &other_dst, &not_json}) hub.remote_signal(*s);
    run();
    CHECK(l->frames.empty());
    CHECK(dropped("handshake_bad_signal") == 1);
    CHECK(dropped("handshake_missing_field") == 1);
    CHECK(dropped("too_big") == 1);
    CHECK(dropped("remote_mismatch") == 1);
    CHECK(dropped("handshake_not_object") == 1);
    CHECK(stats.dials_total.load() == 5);
    CHECK(stats.dials_failure.load() == 5);  // as a local invalid ss-handshake counts
    CHECK(remote.sent.empty());              // nothing answered for them either
    hub.remote_signal(signal("there", R, L, "i6", false));
    run();
    CHECK(l->frames.size() == 1);
}

TEST_CASE_METHOD(federation_fixture, "a remote answer whose local offerer is gone is a failed dial, as a local one") {
    auto l = join_with_remote_peer();
    hub.handshake(l, handshake(L, R, "i1", false));
    run();
    REQUIRE(remote.sent.size() == 1);
    hub.disconnected(l);
    run();
    auto failures = stats.dials_failure.load();
    hub.remote_signal(signal("there", L, R, "i1", true));
    run();
    CHECK(stats.dials_failure.load() == failures + 1);
    CHECK(dropped("peer_gone") == 1);
    CHECK(stats.dials_success.load() == 0);
}

TEST_CASE_METHOD(federation_fixture, "remote senders count against what one peer may receive per second") {
    cfg.max_received_per_second = 5;
    auto l = join_with_remote_peer();
    l->frames.clear();
    for (int i = 0; i < 30; ++i) hub.remote_signal(signal("there", R, L, "i" + std::to_string(i), false));
    run();
    auto got = l->frames.size();
    CHECK(got >= 9);  // twice the rate, less the headroom candidates leave (receiver_share)
    CHECK(got <= 12);
    CHECK(dropped("receiver_rate_limited") == 30 - got);
}

TEST_CASE_METHOD(federation_fixture,
                 "our offer's recipient gone from its server: the dialer is told, once it made the offer") {
    auto l = join_with_remote_peer();
    hub.handshake(l, handshake(L, R, "i1", false));
    run();
    l->frames.clear();
    auto back = remote.sent.at(0);
    back.unavailable = true;
    hub.remote_signal(back);
    auto never_made = signal("there", L, R, "i2", false);
    never_made.unavailable = true;
    hub.remote_signal(never_made);
    run();
    REQUIRE(l->frames.size() == 1);
    CHECK(l->frames[0].find(R"("err":"peer is not available")") != std::string::npos);
    CHECK(l->frames[0].find(R"("intentId":"i1")") != std::string::npos);
    CHECK(dropped("remote_unknown_intent") == 1);
}

TEST_CASE_METHOD(federation_fixture,
                 "another server's presence cannot take over a remote peer; the conflict is counted") {
    auto l = join_with_remote_peer();
    l->frames.clear();
    hub.remote_presence("elsewhere", {R}, presence_change::snapshot);
    run();
    CHECK(stats.federation_refused.get("conflict") == 1);
    CHECK(l->frames.empty());  // not announced again
    // The usurper cannot speak for R, and offers for R still go to its holder.
    hub.remote_signal(signal("elsewhere", R, L, "i1", false));
    run();
    CHECK(l->frames.empty());
    hub.handshake(l, handshake(L, R, "i2", false));
    run();
    REQUIRE(remote.sent.size() == 1);
    CHECK(remote.sent[0].server == "there");
}

TEST_CASE_METHOD(federation_fixture, "an unavailable from a server that does not hold the recipient aborts no dial") {
    auto l = join_with_remote_peer();  // R is held by "there"
    hub.handshake(l, handshake(L, R, "i1", false));
    run();
    l->frames.clear();
    // "elsewhere" (trusted, but not part of this dial) says R is not available.
    auto forged = remote.sent.at(0);
    forged.server = "elsewhere";
    forged.unavailable = true;
    hub.remote_signal(forged);
    run();
    CHECK(l->frames.empty());
    CHECK(dropped("remote_spoofed") == 1);
    // The answer from R's server still reaches the dialer.
    hub.remote_signal(signal("there", L, R, "i1", true));
    run();
    REQUIRE(l->frames.size() == 1);
    CHECK(l->frames[0].find("peer is not available") == std::string::npos);
    // And R's own server may still say it is gone.
    hub.handshake(l, handshake(L, R, "i2", false));
    run();
    auto back = remote.sent.back();
    back.unavailable = true;
    hub.remote_signal(back);
    run();
    CHECK(l->frames.back().find("peer is not available") != std::string::npos);
}

TEST_CASE_METHOD(federation_fixture, "a server no longer trusted: its peers go at once, and dials to them end here") {
    auto l = join_with_remote_peer();
    hub.remote_presence("other", {X}, presence_change::snapshot);
    run();
    CHECK(stats.remote_peers.load() == 2);
    hub.remote_server_gone("there");
    run();
    CHECK(stats.remote_peers.load() == 1);
    auto sent_before = remote.sent.size();
    l->frames.clear();
    hub.handshake(l, handshake(L, R, "i1", false));
    run();
    CHECK(remote.sent.size() == sent_before);  // nothing forwarded to (or sealed for) the revoked server
    REQUIRE(l->frames.size() == 1);
    CHECK(l->frames[0].find("peer is not available") != std::string::npos);
    hub.handshake(l, handshake(L, X, "i2", false));  // the other server's peers are untouched
    run();
    CHECK(remote.sent.size() == sent_before + 1);
}
