#include "signalling/signalling_hub.hpp"

#include "../test_ids.hpp"
#include "protocol/client_event.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

using namespace star::server;
namespace protocol = star::protocol;

namespace {

class recording_link : public client_link {
public:
    recording_link(std::uint64_t id, boost::asio::any_io_executor ex) : client_link(id), ex_(std::move(ex)) {}
    boost::asio::any_io_executor executor() override { return ex_; }
    void deliver(frame_ptr frame, steady_time) override { frames.push_back(*frame); }
    void drop(std::string_view) override {}
    void probe(std::function<void(bool)> done) override { done(true); }
    std::vector<std::string> frames;

private:
    boost::asio::any_io_executor ex_;
};

// A federated backend that records what the hub asks of it.
class recording_backend : public backend {
public:
    char const* name() const override { return "recording"; }
    bool federated() const override { return true; }
    std::string const& server_id() const override { return id_; }
    void start(backend_events&) override {}
    void stop() override { ++stops; }
    void announce(presence_change c, std::vector<std::string> ids) override { announced.emplace_back(c, ids); }
    void send(remote_signal s) override { sent.push_back(std::move(s)); }
    std::optional<std::string> degraded() const override { return std::nullopt; }

    std::vector<std::pair<presence_change, std::vector<std::string>>> announced;
    std::vector<remote_signal> sent;
    int stops = 0;

private:
    std::string id_ = "here";
};

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
        std::string payload = R"({"intentId":")" + intent + R"(","signal":{}})";
        return {src, dst, intent, answer, std::make_shared<std::string const>(protocol::ws_handshake_frame(payload)), {}};
    }
};

std::string const L = star::test::rsa_peer_id(10), R = star::test::rsa_peer_id(11), X = star::test::rsa_peer_id(12);

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
    auto l = join(1, L);
    hub.remote_presence("there", {R}, presence_change::snapshot);
    run();
    l->frames.clear();
    hub.handshake(l, handshake(L, R, "i1", false));
    run();
    REQUIRE(remote.sent.size() == 1);
    CHECK(remote.sent[0].server == "there");
    CHECK(remote.sent[0].payload == R"({"intentId":"i1","signal":{}})");
    // The answer from "there", for the offer made: delivered.
    hub.remote_signal({"there", L, R, "i1", true, false, R"({"intentId":"i1","answer":true,"signal":{}})"});
    run();
    REQUIRE(l->frames.size() == 1);
    // An answer for an intent never offered, or from a server that does not hold R: dropped.
    hub.remote_signal({"there", L, R, "i2", true, false, "{}"});
    hub.remote_signal({"elsewhere", L, R, "i1", true, false, "{}"});
    run();
    CHECK(l->frames.size() == 1);
}

TEST_CASE_METHOD(federation_fixture, "remote offers reach local peers only from the server holding the sender") {
    auto l = join(1, L);
    hub.remote_presence("there", {R}, presence_change::snapshot);
    run();
    l->frames.clear();
    hub.remote_signal({"there", R, L, "i1", false, false, R"({"x":1})"});
    hub.remote_signal({"elsewhere", R, L, "i2", false, false, R"({"x":2})"});
    run();
    REQUIRE(l->frames.size() == 1);
    CHECK(l->frames[0] == R"(42["ws-handshake",{"x":1}])");
    // An offer for a peer not here goes back as "unavailable" to its server.
    hub.remote_signal({"there", R, X, "i3", false, false, "{}"});
    run();
    REQUIRE(remote.sent.size() == 1);
    CHECK(remote.sent[0].unavailable);
    CHECK(remote.sent[0].server == "there");
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
    hub.remote_signal({"there", R, L, "i1", false, false, R"({"x":1})"});
    run();
    REQUIRE(l->frames.size() == 2);  // R announced, then its offer
    CHECK(l->frames[0].find("ws-peer") != std::string::npos);
    CHECK(l->frames[1] == R"(42["ws-handshake",{"x":1}])");
    CHECK(stats.remote_peers.load() == 1);
    // The answer goes back to R's server.
    hub.handshake(l, handshake(R, L, "i1", true));
    run();
    REQUIRE(remote.sent.size() == 1);
    CHECK(remote.sent[0].server == "there");
    // But a peer held by one server cannot be spoken for by another.
    hub.remote_signal({"elsewhere", R, L, "i2", false, false, R"({"x":2})"});
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
