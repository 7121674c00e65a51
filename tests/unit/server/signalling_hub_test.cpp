#include "backends/memory_backend.hpp"
#include "signalling/signalling_hub.hpp"

#include "../test_ids.hpp"
#include "protocol/client_event.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <set>

using namespace star::server;
namespace protocol = star::protocol;

namespace {

// A connection as the hub sees it, recording what it is sent.
class recording_link : public client_link {
public:
    explicit recording_link(std::uint64_t id, bool alive = true) : client_link(id), alive_(alive) {}
    void send(frame_ptr frame, steady_time) override { frames.push_back(*frame); }
    void drop(std::string_view) override { dropped = true; }
    void probe(std::function<void(bool)> done) override {
        ++probes;
        done(alive_);
    }
    std::vector<std::string> take() { return std::exchange(frames, {}); }

    std::vector<std::string> frames;
    bool dropped = false;
    int probes = 0;

private:
    bool alive_;
};

struct hub_fixture {
    boost::asio::io_context io;
    config cfg;
    metrics stats;
    memory_backend alone{"test"};
    std::unique_ptr<signalling_hub> hub;
    std::uint64_t next_id = 1;

    hub_fixture() { cfg.max_peers_per_announce = 50; }
    signalling_hub& h() {
        if (!hub) hub = std::make_unique<signalling_hub>(io.get_executor(), cfg, stats, alone);
        return *hub;
    }
    std::shared_ptr<recording_link> link(bool alive = true) {
        return std::make_shared<recording_link>(next_id++, alive);
    }
    void run() {
        io.restart();
        io.run();
    }
    void join(std::shared_ptr<recording_link> const& l, std::string const& addr) {
        h().join(l, *protocol::parse_star_address(addr).address, std::nullopt);
        run();
    }
    void handshake(std::shared_ptr<recording_link> const& l, std::string const& src, std::string const& dst,
                   std::string const& intent, bool answer) {
        std::string payload = R"({"intentId":")" + intent + R"(","srcMultiaddr":")" + src +
                              R"(","dstMultiaddr":")" + dst + R"(","signal":{"type":"x"})" +
                              (answer ? R"(,"answer":true})" : "}");
        routed_handshake r{protocol::parse_star_address(src).address->key,
                           protocol::parse_star_address(dst).address->key, intent, answer,
                           std::make_shared<std::string const>(protocol::ws_handshake_frame(payload)), {}};
        h().handshake(l, std::move(r));
        run();
    }
    std::uint64_t dropped(std::string_view reason) {
        for (std::size_t i = 0; i < stats.dropped.labels.size(); ++i)
            if (stats.dropped.labels[i] == reason) return stats.dropped.values[i].load();
        return 0;
    }
};

std::string const A = star::test::rsa_peer_id(1), B = star::test::rsa_peer_id(2), C = star::test::rsa_peer_id(3);

bool contains(std::vector<std::string> const& frames, std::string const& needle) {
    for (auto& f : frames)
        if (f.find(needle) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE_METHOD(hub_fixture, "a join is announced both ways, each under the receiver's prefix") {
    auto a = link(), b = link();
    join(a, star::test::star_addr(A, "/ip4/127.0.0.1"));
    CHECK(a->take().empty());
    join(b, star::test::star_addr(B, "/dns4/localhost"));
    CHECK(a->take() == std::vector<std::string>{
                           R"(42["ws-peer","/ip4/127.0.0.1/tcp/9090/ws/p2p-webrtc-star/p2p/)" + B + "\"]"});
    CHECK(b->take() == std::vector<std::string>{
                           R"(42["ws-peer","/dns4/localhost/tcp/9090/ws/p2p-webrtc-star/p2p/)" + A + "\"]"});
    CHECK(stats.peers.load() == 2);
    h().refresh(a);
    run();
    CHECK(a->take().size() == 1);
}

TEST_CASE_METHOD(hub_fixture, "announcements are bounded per join and per refresh, and rotate") {
    cfg.max_peers_per_announce = 3;
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
        h().refresh(newcomer);
        run();
        auto frames = newcomer->take();
        CHECK(frames.size() == 3);
        seen.insert(frames.begin(), frames.end());
    }
    CHECK(seen.size() == 10);  // everyone, eventually
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
