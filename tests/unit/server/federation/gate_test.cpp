#include "federation/gate.hpp"

#include "test_ids.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

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
        ::chmod(path.c_str(), 0644);
        trust = std::make_unique<trust_list>(path);
        g = std::make_unique<gate>(us, trust.get(), 60'000, stats, now);
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
    gate g(us, nullptr, 60'000, stats, now);
    CHECK(g.admit(anyone.seal(join_from(anyone.own_id()), nullptr), 1, false, now));
}

TEST_CASE_METHOD(gate_fixture, "gate: what an untrusted key signed never reaches the JSON parser") {
    namespace wp = star::protocol::waku_payload;
    auto presence_of = [](std::string const& text, fed::private_key const& signer) {
        auto inner = wp::encode_signed({reinterpret_cast<std::uint8_t const*>(text.data()), text.size()}, signer);
        return wp::encrypt_symmetric(inner, wp::presence_key("/webrtc-star/1"));
    };
    // Not JSON at all: had it been parsed, it would be refused as bad_envelope.
    CHECK_FALSE(admit(presence_of("{\"v\":2,not json", key_of('c'))));
    CHECK(refused("unknown_key") == 1);
    CHECK(refused("bad_envelope") == 0);
    // The same from a trusted key is read, and refused for what it is.
    CHECK_FALSE(admit(presence_of("{\"v\":2,not json", key_of('b'))));
    CHECK(refused("bad_envelope") == 1);
}

TEST_CASE_METHOD(gate_fixture, "gate: a signal tagged for another server is skipped before any decryption") {
    gate theirs(trusted, nullptr, 60'000, stats, now);  // b's own gate makes b's tags
    auto sealed_with_tag = [&](std::string const& to, std::string const& id) {
        auto e = signal_to(trusted.own_id(), to);
        e.id = id;
        auto sealed = trusted.seal(e, nullptr);
        return std::pair(sealed, theirs.signal_meta(to, sealed));
    };
    auto [for_c, tag_c] = sealed_with_tag(outsider.own_id(), "s1");
    REQUIRE(tag_c.size() == 16);
    CHECK_FALSE(g->admit(for_c, 1, true, now, tag_c));
    CHECK(stats.federation_dropped.get("not_for_us") == 1);
    CHECK(refused("undecryptable") == 0);  // it was never tried
    auto [for_us, tag_us] = sealed_with_tag(us.own_id(), "s2");
    CHECK(g->admit(for_us, 1, true, now, tag_us));
    // A tag that is no one's is skipped; one cut out of another message too.
    auto [for_us2, tag_us2] = sealed_with_tag(us.own_id(), "s3");
    std::vector<std::uint8_t> garbage(16, 7);
    CHECK_FALSE(g->admit(for_us2, 1, true, now, garbage));
    CHECK_FALSE(g->admit(for_us2, 1, true, now, tag_us));
    CHECK(stats.federation_dropped.get("not_for_us") == 3);
    // No tag (an older sender, or a relay that dropped it): opened as before.
    CHECK(g->admit(for_us2, 1, true, now));
    // Our own tags are ours: what the relay cannot read names no one.
    auto sealed = us.seal(signal_to(us.own_id(), trusted.own_id()), nullptr);
    CHECK(g->signal_meta(trusted.own_id(), sealed).size() == 16);
    CHECK(g->signal_meta(outsider.own_id(), sealed).empty());  // not trusted: none made
}
