#include "federation/gate.hpp"

#include "test_ids.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fed = star::protocol::federation;
using namespace star::server;
using namespace star::server::federation;

namespace {

fed::private_key key_of(char digit) { return *fed::parse_private_key(std::string(64, digit)); }

constexpr std::int64_t now = 1'800'000'000'000;

fed::envelope join_from(std::string from, std::string id = "j1", std::int64_t ts = now) {
    fed::envelope e;
    e.type = fed::envelope_type::join;
    e.from = std::move(from);
    e.id = std::move(id);
    e.ts = ts;
    e.peers = {star::test::rsa_peer_id(1)};
    return e;
}

fed::envelope signal_to(std::string from, std::string to) {
    fed::envelope e;
    e.type = fed::envelope_type::signal;
    e.from = std::move(from);
    e.to = std::move(to);
    e.id = "s1";
    e.ts = now;
    e.src = star::test::rsa_peer_id(1);
    e.dst = star::test::rsa_peer_id(2);
    e.intent = "i1";
    e.payload = R"({"signal":{}})";
    return e;
}

// Us ('a'), a trusted server ('b') and an outsider ('c'), all on the same relay.
struct gate_fixture {
    std::string path =
        (std::filesystem::temp_directory_path() / ("gate_test_" + std::to_string(::getpid()) + ".txt")).string();
    sealer us{key_of('a'), "/webrtc-star/1"}, trusted{key_of('b'), "/webrtc-star/1"},
        outsider{key_of('c'), "/webrtc-star/1"};
    metrics stats;
    std::unique_ptr<trust_list> trust;
    std::unique_ptr<gate> g;

    gate_fixture() {
        std::ofstream(path) << fed::to_text(trusted.own_key()) << " b\n";
        trust = std::make_unique<trust_list>(path);
        g = std::make_unique<gate>(us, trust.get(), 60'000, stats);
    }
    ~gate_fixture() { std::remove(path.c_str()); }
    std::optional<fed::envelope> admit(std::vector<std::uint8_t> const& sealed, bool signal = false,
                                       std::uint64_t version = 1) {
        return g->admit(sealed, version, signal, now);
    }
    std::uint64_t refused(std::string_view reason) const { return stats.federation_refused.get(reason); }
};

}  // namespace

TEST_CASE_METHOD(gate_fixture, "gate: a trusted server's envelope passes once") {
    auto sealed = trusted.seal(join_from(trusted.own_id()), nullptr);
    auto e = admit(sealed);
    REQUIRE(e);
    CHECK(e->from == trusted.own_id());
    CHECK_FALSE(admit(sealed));
    CHECK(refused("replayed") == 1);
}

TEST_CASE_METHOD(gate_fixture, "gate: outsiders, spoofed senders, stale and misaddressed envelopes are refused") {
    CHECK_FALSE(admit(outsider.seal(join_from(outsider.own_id()), nullptr)));
    CHECK(refused("unknown_key") == 1);
    CHECK_FALSE(admit(trusted.seal(join_from(trusted.own_id(), "old", now - 61'000), nullptr)));
    CHECK(refused("stale") == 1);
    CHECK_FALSE(admit(trusted.seal(join_from(trusted.own_id()), nullptr), false, 0));
    CHECK(refused("old_version") == 1);
    // Signed by b, sealed to us, but addressed to c.
    CHECK_FALSE(admit(trusted.seal(signal_to(trusted.own_id(), outsider.own_id()), &us.own_key()), true));
    CHECK(refused("not_for_us") == 1);
    // A signal for c: we cannot read it.
    CHECK_FALSE(admit(trusted.seal(signal_to(trusted.own_id(), outsider.own_id()), nullptr), true));
    CHECK(refused("undecryptable") == 1);
    CHECK(admit(trusted.seal(signal_to(trusted.own_id(), us.own_id()), nullptr), true));
}

TEST_CASE_METHOD(gate_fixture, "gate: our own messages handed back by the relay are dropped, not refused") {
    auto presence = us.seal(join_from(us.own_id()), nullptr);
    CHECK_FALSE(admit(presence));
    auto signal = us.seal(signal_to(us.own_id(), trusted.own_id()), nullptr);
    g->remember_own_signal(signal);
    CHECK_FALSE(admit(signal, true));
    CHECK(stats.federation_dropped.get("own_echo") == 2);
    for (auto const& v : stats.federation_refused.values) CHECK(v.load() == 0);
}

TEST_CASE_METHOD(gate_fixture, "gate: a trusted server cannot speak as another") {
    namespace wp = star::protocol::waku_payload;
    auto text = fed::encode(join_from(us.own_id()));  // b claims to be a, or anyone else
    auto inner = wp::encode_signed({reinterpret_cast<std::uint8_t const*>(text.data()), text.size()}, key_of('b'));
    CHECK_FALSE(admit(wp::encrypt_symmetric(inner, wp::presence_key("/webrtc-star/1"))));
    CHECK(refused("spoofed_from") == 1);
}

TEST_CASE("gate: in open mode any signer passes, but only as itself") {
    sealer us{key_of('a'), "/webrtc-star/1"}, anyone{key_of('c'), "/webrtc-star/1"};
    metrics stats;
    gate g(us, nullptr, 60'000, stats);
    CHECK(g.admit(anyone.seal(join_from(anyone.own_id()), nullptr), 1, false, now));
}
