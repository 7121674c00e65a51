#include "signalling/signalling_hub.hpp"
#include "backends/memory_backend.hpp"

#include "protocol/client_event.hpp"
#include "server/signalling_fakes.hpp"
#include "test_ids.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <set>

using namespace star::server;
using star::test::recording_link;
namespace protocol = star::protocol;

namespace {

struct hub_fixture {
    boost::asio::io_context io;
    config cfg;
    metrics stats;
    memory_backend alone{"test"};
    std::unique_ptr<signalling_hub> hub;
    std::uint64_t next_id = 1;

    hub_fixture() {
        cfg.max_peers_per_announce = 50;
        cfg.join_announce_delay = std::chrono::milliseconds(0);  // announced within the same run()
    }
    signalling_hub& h() {
        if (!hub) hub = std::make_unique<signalling_hub>(io.get_executor(), cfg, stats, alone);
        return *hub;
    }
    std::shared_ptr<recording_link> link(bool alive = true) {
        return std::make_shared<recording_link>(next_id++, io.get_executor(), alive);
    }
    void run() {
        io.restart();
        io.poll();  // what is ready, not the refresh timer
    }
    void join(std::shared_ptr<recording_link> const& l, std::string const& addr) {
        h().join(l, *protocol::parse_star_address(addr).address, std::nullopt);
        run();
    }
    void handshake(std::shared_ptr<recording_link> const& l, std::string const& src, std::string const& dst,
                   std::string const& intent, bool answer) {
        std::string payload = R"({"intentId":")" + intent + R"(","srcMultiaddr":")" + src + R"(","dstMultiaddr":")" +
                              dst + R"(","signal":{"type":"x"})" + (answer ? R"(,"answer":true})" : "}");
        routed_handshake r{protocol::parse_star_address(src).address->key,
                           protocol::parse_star_address(dst).address->key,
                           intent,
                           answer,
                           handshake_frame(protocol::ws_handshake_frame(payload)),
                           {}};
        h().handshake(l, std::move(r));
        run();
    }
    // Runs the hub's loop until `l`'s next ws-peer refresh arrives (at most 5 s).
    std::vector<std::string> refreshed(std::shared_ptr<recording_link> const& l) {
        io.restart();
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (l->frames.empty() && std::chrono::steady_clock::now() < deadline) io.run_one_until(deadline);
        io.poll();
        return l->take();
    }
    std::uint64_t dropped(std::string_view reason) { return star::test::dropped(stats, reason); }
};

std::string const A = star::test::rsa_peer_id(1), B = star::test::rsa_peer_id(2), C = star::test::rsa_peer_id(3);

bool contains(std::vector<std::string> const& frames, std::string const& needle) {
    for (auto& f : frames)
        if (f.find(needle) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE_METHOD(hub_fixture, "a join is announced both ways, each under the receiver's prefix") {
    cfg.peer_refresh_interval = std::chrono::milliseconds(300);
    auto a = link(), b = link();
    join(a, star::test::star_addr(A, "/ip4/127.0.0.1"));
    CHECK(a->take().empty());
    join(b, star::test::star_addr(B, "/dns4/localhost"));
    CHECK(a->take() ==
          std::vector<std::string>{R"(42["ws-peer","/ip4/127.0.0.1/tcp/9090/ws/p2p-webrtc-star/p2p/)" + B + "\"]"});
    CHECK(b->take() ==
          std::vector<std::string>{R"(42["ws-peer","/dns4/localhost/tcp/9090/ws/p2p-webrtc-star/p2p/)" + A + "\"]"});
    CHECK(stats.peers.load() == 2);
    CHECK(refreshed(a).size() == 1);
}

TEST_CASE_METHOD(hub_fixture, "announcements are bounded per join and per refresh, and rotate") {
    cfg.max_peers_per_announce = 3;
    cfg.peer_refresh_interval = std::chrono::milliseconds(300);
    std::vector<std::shared_ptr<recording_link>> links;
    for (int i = 0; i < 10; ++i) {
        links.push_back(link());
        join(links.back(), star::test::star_addr(star::test::rsa_peer_id(static_cast<unsigned char>(100 + i))));
    }
    for (auto& l : links) l->take();
    auto newcomer = link();
    join(newcomer, star::test::star_addr(C));
    CHECK(newcomer->take().size() == 3);
    std::size_t told = 0;
    for (auto& l : links) told += l->take().size();
    CHECK(told == 3);
    std::set<std::string> seen;
    for (int round = 0; round < 4; ++round) {
        auto frames = refreshed(newcomer);
        CHECK(frames.size() == 3);
        seen.insert(frames.begin(), frames.end());
    }
    CHECK(seen.size() == 10);  // everyone, eventually
}

TEST_CASE_METHOD(hub_fixture, "a burst of joins is announced in one batch: each newcomer to K older peers") {
    cfg.max_peers_per_announce = 5;  // the five newcomers are one batch of K
    std::vector<std::shared_ptr<recording_link>> old_peers, newcomers;
    for (int i = 0; i < 10; ++i) {
        old_peers.push_back(link());
        join(old_peers.back(), star::test::star_addr(star::test::rsa_peer_id(static_cast<unsigned char>(100 + i))));
    }
    for (auto& l : old_peers) l->take();
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        newcomers.push_back(link());
        ids.push_back(star::test::rsa_peer_id(static_cast<unsigned char>(200 + i)));
        h().join(newcomers.back(), *protocol::parse_star_address(star::test::star_addr(ids.back())).address,
                 std::nullopt);
    }
    run();  // all five joins, then their one batch
    std::vector<std::vector<std::string>> got;
    for (auto& l : old_peers) got.push_back(l->take());
    for (auto const& id : ids) {
        int receivers = 0;
        for (auto const& frames : got) receivers += contains(frames, id) ? 1 : 0;
        CHECK(receivers == 5);  // exactly K older peers
    }
    for (auto& frames : got) CHECK(frames.size() <= 5);  // nobody gets more than K of a batch
    for (std::size_t i = 0; i < newcomers.size(); ++i) {
        auto frames = newcomers[i]->take();
        CHECK(frames.size() <= 5 + ids.size());
        CHECK_FALSE(contains(frames, ids[i]));  // never told of itself
    }
}

TEST_CASE_METHOD(hub_fixture, "an offer reaches its recipient through any prefix; the answer comes back") {
    auto a = link(), b = link();
    join(a, star::test::star_addr(A));
    join(b, star::test::star_addr(B));
    a->take(), b->take();
    handshake(a, star::test::star_addr(A), star::test::star_addr(B, "/dns4/other.example"), "i1", false);
    auto got = b->take();
    REQUIRE(got.size() == 1);
    CHECK(got[0].rfind(R"(42["ws-handshake",{"intentId":"i1")", 0) == 0);
    handshake(b, star::test::star_addr(A), star::test::star_addr(B), "i1", true);
    got = a->take();
    REQUIRE(got.size() == 1);
    CHECK(contains(got, R"("answer":true)"));
    CHECK(stats.dials_success.load() == 1);
}

TEST_CASE_METHOD(hub_fixture, "an offer to an unknown peer comes back with err") {
    auto a = link();
    join(a, star::test::star_addr(A));
    handshake(a, star::test::star_addr(A), star::test::star_addr(C), "i1", false);
    auto got = a->take();
    REQUIRE(got.size() == 1);
    CHECK(contains(got, R"("err":"peer is not available"})"));
    CHECK(stats.dials_failure.load() == 1);
}

TEST_CASE_METHOD(hub_fixture, "spoofed offers and unsolicited answers are dropped") {
    auto a = link(), b = link(), c = link();
    join(a, star::test::star_addr(A));
    join(b, star::test::star_addr(B));
    join(c, star::test::star_addr(C));
    a->take(), b->take(), c->take();
    handshake(c, star::test::star_addr(A), star::test::star_addr(B), "i1", false);  // C pretends to be A
    CHECK(b->take().empty());
    CHECK(dropped("spoofed_src") == 1);
    handshake(c, star::test::star_addr(A), star::test::star_addr(C), "i9", true);  // answer nobody asked for
    CHECK(a->take().empty());
    CHECK(dropped("unknown_intent") == 1);
    handshake(c, star::test::star_addr(A), star::test::star_addr(B), "i9", true);  // answer in B's name
    CHECK(dropped("spoofed_dst") == 1);
    auto stranger = link();
    handshake(stranger, star::test::star_addr(A), star::test::star_addr(B), "i1", false);
    CHECK(dropped("not_joined") == 1);
    // A's offer to B cannot be answered by C.
    handshake(a, star::test::star_addr(A), star::test::star_addr(B), "i2", false);
    handshake(c, star::test::star_addr(A), star::test::star_addr(C), "i2", true);
    CHECK(a->take().empty());
}

TEST_CASE_METHOD(hub_fixture, "a live holder keeps its peer id; a dead one is replaced") {
    auto holder = link(true), thief = link();
    join(holder, star::test::star_addr(A));
    join(thief, star::test::star_addr(A, "/dns4/localhost"));
    CHECK(holder->probes == 1);
    CHECK_FALSE(holder->dropped);
    CHECK(contains(thief->take(), "already joined"));
    CHECK(stats.peers.load() == 1);

    auto dead = link(false), heir = link();
    join(dead, star::test::star_addr(B));
    join(heir, star::test::star_addr(B));
    CHECK(dead->dropped);
    CHECK(stats.takeovers.load() == 1);
    auto c = link();
    join(c, star::test::star_addr(C));
    handshake(c, star::test::star_addr(C), star::test::star_addr(B), "i1", false);
    CHECK(heir->take().size() >= 1);
}

TEST_CASE_METHOD(hub_fixture, "leave and disconnect remove only the socket's own entry; re-join replaces") {
    auto a = link(), b = link();
    join(a, star::test::star_addr(A));
    h().leave(b);  // b owns nothing
    run();
    CHECK(stats.peers.load() == 1);
    CHECK(dropped("leave_not_joined") == 1);
    join(a, star::test::star_addr(B));  // a moves to B: A is gone
    CHECK(stats.peers.load() == 1);
    auto c = link();
    join(c, star::test::star_addr(C));
    c->take();
    handshake(c, star::test::star_addr(C), star::test::star_addr(A), "i1", false);
    CHECK(contains(c->take(), "peer is not available"));
    h().disconnected(a);
    run();
    CHECK(stats.peers.load() == 1);
}

TEST_CASE_METHOD(hub_fixture, "a holder that failed its probe and disconnected meanwhile still counts as a takeover") {
    // The transport closes a holder that fails its probe; its disconnect may reach the hub
    // before the probe's result does. The claim still succeeds, and is counted.
    struct slow_link : recording_link {
        using recording_link::recording_link;
        std::function<void(bool)> pending;
        void probe(std::function<void(bool)> done) override { pending = std::move(done); }
    };
    auto dead = std::make_shared<slow_link>(next_id++, io.get_executor(), false);
    join(dead, star::test::star_addr(A));
    auto heir = link();
    join(heir, star::test::star_addr(A));
    REQUIRE(dead->pending);
    h().disconnected(dead);
    dead->pending(false);
    run();
    CHECK(stats.takeovers.load() == 1);
    CHECK(stats.peers.load() == 1);
    auto c = link();
    join(c, star::test::star_addr(C));
    handshake(c, star::test::star_addr(C), star::test::star_addr(A), "i1", false);
    CHECK(contains(heir->take(), "i1"));
}

TEST_CASE_METHOD(hub_fixture,
                 "what one peer is sent by others is limited per second; the excess is dropped and counted") {
    cfg.max_received_per_second = 5;
    auto target = link(), a = link(), b = link();
    join(target, star::test::star_addr(A));
    join(a, star::test::star_addr(B));
    join(b, star::test::star_addr(C));
    target->take();
    for (int i = 0; i < 20; ++i) {
        handshake(a, star::test::star_addr(B), star::test::star_addr(A), "a" + std::to_string(i), false);
        handshake(b, star::test::star_addr(C), star::test::star_addr(A), "b" + std::to_string(i), false);
    }
    auto got = target->take().size();
    CHECK(got >= 9);   // the burst: twice the rate, less the headroom candidates leave (receiver_share)
    CHECK(got <= 12);  // and what the rate refilled while the test ran
    CHECK(dropped("receiver_rate_limited") == 40 - got);
    // The senders themselves are not limited: the target's answers reach them.
    a->take();
    handshake(target, star::test::star_addr(B), star::test::star_addr(A), "a0", true);
    CHECK(a->take().size() == 1);
}

TEST_CASE_METHOD(hub_fixture, "the lock's hold time is counted per operation that took it") {
    auto a = link(), b = link();
    join(a, star::test::star_addr(A));
    join(b, star::test::star_addr(B));
    handshake(a, star::test::star_addr(A), star::test::star_addr(B), "i1", false);
    handshake(b, star::test::star_addr(A), star::test::star_addr(B), "i1", true);
    h().leave(b);
    h().disconnected(a);
    std::string text = stats.render();
    CHECK(contains({text}, R"(webrtc_star_server_hub_lock_hold_seconds_count{op="join"} 2)"));
    CHECK(contains({text}, R"(webrtc_star_server_hub_lock_hold_seconds_count{op="handshake"} 2)"));
    CHECK(contains({text}, R"(webrtc_star_server_hub_lock_hold_seconds_count{op="leave"} 1)"));
    CHECK(contains({text}, R"(webrtc_star_server_hub_lock_hold_seconds_count{op="disconnect"} 1)"));
    CHECK(contains({text}, R"(webrtc_star_server_hub_lock_hold_seconds_bucket{op="handshake",le="+Inf"} 2)"));
}
