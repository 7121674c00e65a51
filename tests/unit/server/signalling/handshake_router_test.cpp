#include "signalling/handshake_router.hpp"

#include "server/signalling_fakes.hpp"
#include "test_ids.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

using namespace star::server;
using star::test::recording_backend;
using star::test::recording_link;
namespace protocol = star::protocol;

namespace {

std::string const A = star::test::rsa_peer_id(1), B = star::test::rsa_peer_id(2), R = star::test::rsa_peer_id(3),
                  Q = star::test::rsa_peer_id(4);
std::string const there = "there";

struct router_fixture {
    boost::asio::io_context io;
    metrics stats;
    peer_table table;
    remote_peers remote{100, 100};
    outbox out;
    recording_backend servers;
    deferred_log log{spdlog::default_logger(), stats};
    handshake_router router{stats, table, remote, out, servers, log};

    router_fixture() {
        remote.upsert(R, there, remote_peers::clock::now() + std::chrono::minutes(1));
        remote.upsert(Q, "third", remote_peers::clock::now() + std::chrono::minutes(1));
    }
    std::shared_ptr<recording_link> join(std::string const& id) {
        auto l = std::make_shared<recording_link>(table.size() + 1, io.get_executor());
        table.insert(l, *protocol::parse_star_address(star::test::star_addr(id)).address).received.reset(1000);
        return l;
    }
    static std::string payload(std::string const& src, std::string const& dst, std::string const& intent, bool answer) {
        return R"({"intentId":")" + intent + R"(","srcMultiaddr":")" + star::test::star_addr(src) +
               R"(","dstMultiaddr":")" + star::test::star_addr(dst) + R"(","signal":{"type":"x"})" +
               (answer ? R"(,"answer":true})" : "}");
    }
    void route(handshake_sender from, std::string const& src, std::string const& dst, std::string const& intent,
               bool answer) {
        std::string text = payload(src, dst, intent, answer);
        auto parsed = protocol::parse_handshake_text(text, 100'000);
        REQUIRE(parsed.value);
        auto h = route_of(std::move(*parsed.value), {});
        router.route(from, h);
        outbox::deliver(out.take());
        io.restart();
        io.poll();
    }
    handshake_sender local(std::string const& id) { return {table.find(id), nullptr}; }
    static handshake_sender from_server(std::string const& s) { return {nullptr, &s}; }
    std::uint64_t dropped(std::string_view reason) { return star::test::dropped(stats, reason); }
};

}  // namespace

TEST_CASE("a routed handshake knows where its payload sits in its frame") {
    auto text = router_fixture::payload(A, B, "i1", false);
    auto h = route_of(*protocol::parse_handshake_text(text, 100'000).value, {});
    CHECK(*h.forward.text == R"(42["ws-handshake",)" + text + "]");
    CHECK(h.forward.payload() == text);
    CHECK(h.src_key == A);
    CHECK(h.dst_key == B);
}

TEST_CASE_METHOD(router_fixture, "a local offer and its answer: delivered, and the dial counted once as a success") {
    auto a = join(A), b = join(B);
    route(local(A), A, B, "i1", false);
    REQUIRE(b->frames.size() == 1);
    route(local(B), A, B, "i1", true);
    REQUIRE(a->frames.size() == 1);
    CHECK(stats.dials_total.load() == 2);
    CHECK(stats.dials_success.load() == 1);
    CHECK(stats.dials_failure.load() == 0);
}

TEST_CASE_METHOD(router_fixture, "offers to a peer held elsewhere cross only from our own peers") {
    auto a = join(A);
    route(local(A), A, R, "i1", false);
    REQUIRE(servers.sent.size() == 1);
    CHECK(servers.sent[0].server == there);
    CHECK(servers.sent[0].payload == payload(A, R, "i1", false));
    CHECK(a->frames.empty());
    // Another server's offer for a third server's peer is not relayed: it goes back as unavailable.
    route(from_server(there), R, Q, "i2", false);
    REQUIRE(servers.sent.size() == 2);
    CHECK(servers.sent[1].server == there);
    CHECK(servers.sent[1].unavailable);
    CHECK(stats.dials_failure.load() == 1);
}

TEST_CASE_METHOD(router_fixture, "an offer to a peer nowhere: our dialer is told, another server's is sent back") {
    auto a = join(A);
    route(local(A), A, B, "i1", false);
    REQUIRE(a->frames.size() == 1);
    CHECK(a->frames[0].find(R"("err":"peer is not available")") != std::string::npos);
    CHECK(servers.sent.empty());
    route(from_server(there), R, B, "i2", false);
    REQUIRE(servers.sent.size() == 1);
    CHECK(servers.sent[0].unavailable);
    CHECK(a->frames.size() == 1);
    CHECK(stats.dials_failure.load() == 2);
}

TEST_CASE_METHOD(router_fixture, "answers: forwarded to the offerer's server, or a failed dial when it is gone") {
    auto b = join(B);
    route(local(B), R, B, "i1", true);  // R's server checks the intent
    REQUIRE(servers.sent.size() == 1);
    CHECK(servers.sent[0].answer);
    CHECK(stats.dials_success.load() == 1);
    route(local(B), A, B, "i2", true);  // A is nowhere
    route(from_server(there), A, R, "i3", true);
    CHECK(stats.dials_failure.load() == 2);
    CHECK(dropped("peer_gone") == 2);
    CHECK(servers.sent.size() == 1);
}

TEST_CASE_METHOD(router_fixture, "an answer for an offer never made is dropped, from here or from another server") {
    auto a = join(A), b = join(B);
    route(local(B), A, B, "i1", true);
    route(from_server(there), A, R, "i2", true);
    CHECK(a->frames.empty());
    CHECK(dropped("unknown_intent") == 2);
    CHECK(stats.dials_success.load() == 0);
}

TEST_CASE_METHOD(router_fixture, "unsent and invalid handshakes are counted as the local ones always were") {
    router.drop_unsent("not_joined");
    handshake_router::count_invalid(stats, "handshake_bad_signal");
    CHECK(stats.dials_total.load() == 2);
    CHECK(stats.dials_failure.load() == 1);
    CHECK(dropped("not_joined") == 1);
    CHECK(dropped("handshake_bad_signal") == 1);
}
