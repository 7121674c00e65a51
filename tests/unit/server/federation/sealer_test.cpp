#include "federation/sealer.hpp"

#include "test_ids.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fed = star::protocol::federation;
namespace wp = star::protocol::waku_payload;
using star::server::federation::sealer;

namespace {

fed::private_key key_of(char digit) { return *fed::parse_private_key(std::string(64, digit)); }

std::string id_of(char digit) { return fed::server_id(fed::public_of(key_of(digit))); }

fed::envelope presence_from(std::string from) {
    fed::envelope e;
    e.type = fed::envelope_type::presence;
    e.from = std::move(from);
    e.id = "p1";
    e.ts = 1732000000000;
    e.peers = {star::test::rsa_peer_id(1)};
    return e;
}

fed::envelope signal_from(std::string from, std::string to) {
    fed::envelope e;
    e.type = fed::envelope_type::signal;
    e.from = std::move(from);
    e.to = std::move(to);
    e.id = "s1";
    e.ts = 1732000000000;
    e.src = star::test::rsa_peer_id(1);
    e.dst = star::test::ed25519_peer_id(2);
    e.intent = "i1";
    e.payload = R"({"signal":{"type":"offer","sdp":"v=0"}})";
    return e;
}

wp::bytes bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("sealer: presence is readable by every member and names its signer") {
    sealer a(key_of('a'), "/webrtc-star/1"), b(key_of('b'), "/webrtc-star/1");
    CHECK(a.own_id() == id_of('a'));
    auto sealed = a.seal(presence_from(a.own_id()), nullptr);
    auto opened = b.open(sealed, false);
    REQUIRE(opened.value);
    CHECK(opened.value->env.from == a.own_id());
    CHECK(opened.value->env.peers == presence_from("").peers);
    CHECK(opened.value->signer == a.own_key());
    CHECK(b.open(sealed, true).refusal == "undecryptable");  // not for the signal topic
    sealer elsewhere(key_of('c'), "/another-federation/1");
    CHECK(elsewhere.open(sealed, false).refusal == "undecryptable");
}

TEST_CASE("sealer: a signal opens only at its destination") {
    sealer a(key_of('a'), "/webrtc-star/1"), b(key_of('b'), "/webrtc-star/1"), c(key_of('c'), "/webrtc-star/1");
    auto env = signal_from(a.own_id(), b.own_id());
    auto sealed = a.seal(env, nullptr);  // the destination's key, from its id
    auto opened = b.open(sealed, true);
    REQUIRE(opened.value);
    CHECK(opened.value->env.payload == env.payload);
    CHECK(opened.value->env.intent == "i1");
    CHECK(opened.value->signer == a.own_key());
    CHECK(c.open(sealed, true).refusal == "undecryptable");
    CHECK(b.open(sealed, false).refusal == "undecryptable");
    auto b_key = b.own_key();
    CHECK(b.open(a.seal(env, &b_key), true).value);
}

TEST_CASE("sealer: misuse by the caller throws") {
    sealer a(key_of('a'), "/webrtc-star/1");
    CHECK_THROWS_AS(a.seal(presence_from(id_of('b')), nullptr), std::invalid_argument);
    CHECK_THROWS_AS(a.seal(signal_from(a.own_id(), "server-b"), nullptr), std::invalid_argument);
}

TEST_CASE("sealer: refusals say why") {
    sealer a(key_of('a'), "/webrtc-star/1"), b(key_of('b'), "/webrtc-star/1");
    auto presence_key = wp::presence_key("/webrtc-star/1");
    auto open_presence = [&](wp::bytes const& inner) {
        return b.open(wp::encrypt_symmetric(inner, presence_key), false).refusal;
    };
    std::string v1 = R"({"v":1,"type":"join","from":"server-a","id":"x","ts":1,"peers":[]})";
    CHECK(b.open(bytes_of(v1), false).refusal == "old_version");  // as version 1 servers publish
    CHECK(b.open(bytes_of(v1), true).refusal == "old_version");
    CHECK(open_presence(wp::encode_signed(bytes_of(v1), key_of('a'))) == "old_version");
    CHECK(b.open(bytes_of(R"({"v":2})"), false).refusal == "unsigned");
    CHECK(open_presence(wp::encode_unsigned(bytes_of(fed::encode(presence_from(a.own_id()))))) == "unsigned");
    CHECK(open_presence(wp::encode_signed(bytes_of("not json"), key_of('a'))) == "bad_envelope");
    CHECK(open_presence(wp::bytes{0x01, 0x05}) == "undecryptable");
    // Ciphertext that happens to start with '{' is still ciphertext, not an unsigned clear envelope.
    CHECK(open_presence(wp::bytes{'{', 0xff, 0x00, 0x9c, 0x41}) == "undecryptable");
    CHECK(open_presence(bytes_of("{not json")) == "undecryptable");
    auto signal_as_presence =
        wp::encode_signed(bytes_of(fed::encode(signal_from(a.own_id(), b.own_id()))), key_of('a'));
    CHECK(open_presence(signal_as_presence) == "bad_envelope");
    CHECK(b.open(wp::bytes(wp::max_sealed_size + 1), false).refusal == "too_large");
    CHECK(b.open({}, true).refusal == "undecryptable");
    auto bad_signature = wp::encode_signed(bytes_of(fed::encode(presence_from(a.own_id()))), key_of('a'));
    bad_signature.back() = 9;
    CHECK(open_presence(bad_signature) == "bad_signature");
}

TEST_CASE("sealer: unavailable travels like a signal") {
    sealer a(key_of('a'), "/webrtc-star/1"), b(key_of('b'), "/webrtc-star/1");
    auto env = signal_from(a.own_id(), b.own_id());
    env.type = fed::envelope_type::unavailable;
    auto opened = b.open(a.seal(env, nullptr), true);
    REQUIRE(opened.value);
    CHECK(opened.value->env.type == fed::envelope_type::unavailable);
}

TEST_CASE("sealer: a member that re-encrypts someone's presence after changing it cannot keep the signature") {
    // Every member (and anyone who knows the prefix) holds the presence key: what protects presence is
    // the signature over the inner layer.
    sealer a(key_of('a'), "/webrtc-star/1"), b(key_of('b'), "/webrtc-star/1");
    auto key = wp::presence_key("/webrtc-star/1");
    auto inner = *wp::decrypt_symmetric(a.seal(presence_from(a.own_id()), nullptr), key);
    auto text = std::string(inner.begin(), inner.end());
    auto at = text.find(star::test::rsa_peer_id(1));
    REQUIRE(at != std::string::npos);
    auto forged = inner;
    auto other = star::test::rsa_peer_id(2);
    std::copy(other.begin(), other.end(), forged.begin() + static_cast<std::ptrdiff_t>(at));
    auto opened = b.open(wp::encrypt_symmetric(forged, key), false);
    bool still_a = opened.value && opened.value->signer == a.own_key();
    CHECK_FALSE(still_a);
}

TEST_CASE("sealer: with a trust list, a signal is sealed only to a server in it") {
    sealer a(key_of('a'), "/webrtc-star/1"), b(key_of('b'), "/webrtc-star/1");
    auto path = (std::filesystem::temp_directory_path() / ("sealer_test_" + std::to_string(::getpid()))).string();
    std::ofstream(path) << fed::to_text(b.own_key()) << " b\n";
    ::chmod(path.c_str(), 0644);
    star::server::federation::trust_list trust(path);
    auto sealed = a.seal_for(signal_from(a.own_id(), b.own_id()), &trust);
    REQUIRE(sealed);
    CHECK(b.open(*sealed, true).value);
    // b's key revoked: nothing is sealed for it any more.
    std::ofstream(path, std::ios::trunc) << fed::to_text(a.own_key()) << " a\n";
    REQUIRE_FALSE(trust.reload());
    CHECK_FALSE(a.seal_for(signal_from(a.own_id(), b.own_id()), &trust));
    CHECK(a.seal_for(presence_from(a.own_id()), &trust));             // presence is for every member
    CHECK(a.seal_for(signal_from(a.own_id(), b.own_id()), nullptr));  // open mode: the key its id is
    std::remove(path.c_str());
}
