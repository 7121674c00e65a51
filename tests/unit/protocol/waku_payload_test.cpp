#include "protocol/waku_payload.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <new>
#include <string>

namespace fed = star::protocol::federation;
namespace wp = star::protocol::waku_payload;

namespace {

fed::private_key key_of(char digit) { return *fed::parse_private_key(std::string(64, digit)); }

wp::bytes bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

// Flips one bit of byte `at` and reports whether `open` still accepts the result.
template <class Open> bool accepts_with_bit_flipped(wp::bytes sealed, std::size_t at, Open const& open) {
    sealed[at] ^= 0x10;
    return open(sealed);
}

}  // namespace

TEST_CASE("keys parse in the forms a trust list holds, and print compressed") {
    auto priv = key_of('1');
    auto pub = fed::public_of(priv);
    auto text = fed::to_text(pub);
    CHECK(text.size() == fed::server_id_length);
    CHECK((text.substr(0, 2) == "02" || text.substr(0, 2) == "03"));
    CHECK(fed::server_id(pub) == text);
    CHECK(fed::parse_public_key(text) == pub);
    CHECK(fed::parse_public_key("0x" + text) == pub);
    auto full = fed::uncompressed(pub);
    std::string full_hex;
    for (auto b : full) full_hex += "0123456789abcdef"[b >> 4], full_hex += "0123456789abcdef"[b & 15];
    CHECK(fed::parse_public_key(full_hex) == pub);
    CHECK_FALSE(fed::parse_public_key(""));
    CHECK_FALSE(fed::parse_public_key(text.substr(0, 64)));
    CHECK_FALSE(fed::parse_public_key("04" + text.substr(2)));        // a compressed body under an uncompressed prefix
    CHECK_FALSE(fed::parse_public_key("02" + std::string(64, 'f')));  // x beyond the field: not on the curve
    CHECK_FALSE(fed::parse_public_key(text.substr(0, 65) + "g"));
    CHECK(fed::to_hex(priv) == std::string(64, '1'));
    CHECK_FALSE(fed::parse_private_key(std::string(64, '0')));  // zero is no key
    CHECK_FALSE(fed::parse_private_key(std::string(64, 'f')));  // beyond the group order
    CHECK_FALSE(fed::parse_private_key(std::string(63, '1')));
    auto fresh = fed::generate_private_key();
    CHECK(fed::parse_private_key(fed::to_hex(fresh)));
    CHECK(fed::to_hex(fresh) != fed::to_hex(fed::generate_private_key()));
}

TEST_CASE("the inner layer round-trips, pads to 256 and names its signer") {
    auto signer = key_of('2');
    for (std::size_t size : {0u, 1u, 189u, 190u, 191u, 255u, 256u, 1000u, 65535u, 65536u, 300000u}) {
        wp::bytes payload(size, 'x');
        auto inner = wp::encode_signed(payload, signer);
        CHECK(inner.size() % wp::padding_target == 0);
        auto decoded = wp::decode(inner);
        REQUIRE(decoded.value);
        CHECK(decoded.value->payload == payload);
        CHECK(decoded.value->signer == fed::public_of(signer));
        std::size_t field = size < 256 ? 1 : size < 65536 ? 2 : 3;
        CHECK(inner[0] == (4 | field));
    }
    auto plain = wp::decode(wp::encode_unsigned(bytes_of("hello")));
    REQUIRE(plain.value);
    CHECK(plain.value->payload == bytes_of("hello"));
    CHECK_FALSE(plain.value->signer);
    CHECK_THROWS(wp::encode_signed(wp::bytes(wp::max_payload_size + 1), signer));
    // The largest payload, sealed the costliest way, stays within the bound decoders enforce.
    auto largest = wp::encode_signed(wp::bytes(wp::max_payload_size, 'x'), signer);
    auto sealed = wp::encrypt_asymmetric(largest, fed::public_of(key_of('3')));
    CHECK(sealed.size() <= wp::max_sealed_size);
    CHECK(wp::decrypt_asymmetric(sealed, key_of('3')) == largest);
}

TEST_CASE("signatures are deterministic, so padding aside the bytes are known") {
    auto fixed = [](std::span<std::uint8_t> out) { std::fill(out.begin(), out.end(), std::uint8_t{7}); };
    auto a = wp::encode_signed(bytes_of("same"), key_of('3'), fixed);
    auto b = wp::encode_signed(bytes_of("same"), key_of('3'), fixed);
    CHECK(a == b);
}

TEST_CASE("a tampered inner layer recovers another key or none") {
    auto signer = key_of('4');
    auto inner = wp::encode_signed(bytes_of(R"({"v":2})"), signer);
    // flags, size, payload, padding, signature r, s and recovery id
    for (std::size_t at : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{100}, inner.size() - 65,
                           inner.size() - 33, inner.size() - 1}) {
        auto tampered = inner;
        tampered[at] ^= 0x01;
        auto decoded = wp::decode(tampered);
        bool same_signer = decoded.value && decoded.value->signer == fed::public_of(signer);
        CAPTURE(at);
        CHECK_FALSE(same_signer);
    }
}

TEST_CASE("truncated, oversized and malformed inner layers are refused before allocating") {
    auto inner = wp::encode_signed(bytes_of("payload"), key_of('5'));
    auto reason = [](wp::byte_view b) { return std::string(wp::decode(b).error); };
    CHECK(reason({}) == "truncated");
    CHECK(reason(wp::byte_view(inner).first(1)) == "truncated");
    CHECK(reason(wp::byte_view(inner).first(60)) == "truncated");  // shorter than its signature
    wp::bytes zero_flags = inner;
    zero_flags[0] = 0x04;  // signed, but no size field
    CHECK(reason(zero_flags) == "bad_flags");
    wp::bytes unknown_flags = inner;
    unknown_flags[0] |= 0x80;
    CHECK(reason(unknown_flags) == "bad_flags");
    // A size that claims 16 MB in a 256-byte message: refused, not allocated.
    wp::bytes claims_more = {0x03, 0xff, 0xff, 0xff};
    claims_more.resize(256);
    CHECK(reason(claims_more) == "too_large");
    wp::bytes claims_past_end = {0x02, 0x00, 0x01};  // 256 bytes of payload in a 3-byte message
    CHECK(reason(claims_past_end) == "truncated");
    CHECK(reason(wp::bytes(wp::max_sealed_size + 1, 1)) == "too_large");
    wp::bytes bad_recovery = inner;
    bad_recovery.back() = 4;
    CHECK(reason(bad_recovery) == "bad_signature");
}

TEST_CASE("high-S signatures, a second encoding of a valid one, are refused") {
    auto inner = wp::encode_signed(bytes_of("payload"), key_of('6'));
    // s' = n - s with the recovery id's parity flipped recovers the same key: a malleated signature.
    static constexpr std::uint8_t order[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                               0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                               0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
    auto* s = inner.data() + inner.size() - 33;
    int borrow = 0;
    for (int i = 31; i >= 0; --i) {
        int d = order[i] - s[i] - borrow;
        borrow = d < 0;
        s[i] = static_cast<std::uint8_t>(d + (borrow ? 256 : 0));
    }
    inner.back() ^= 1;
    CHECK(wp::decode(inner).error == "bad_signature");
}

TEST_CASE("symmetric: round trip; wrong key, tampering and truncation refused") {
    auto key = wp::presence_key("/webrtc-star/1");
    auto other = wp::presence_key("/webrtc-star/2");
    auto inner = wp::encode_signed(bytes_of(R"({"v":2,"type":"presence"})"), key_of('7'));
    auto sealed = wp::encrypt_symmetric(inner, key);
    CHECK(sealed.size() == inner.size() + 28);
    CHECK(wp::decrypt_symmetric(sealed, key) == inner);
    CHECK_FALSE(wp::decrypt_symmetric(sealed, other));
    auto opens = [&](wp::bytes const& b) { return wp::decrypt_symmetric(b, key).has_value(); };
    // ciphertext (start, middle), tag, IV
    for (std::size_t at :
         {std::size_t{0}, inner.size() / 2, inner.size(), inner.size() + 15, inner.size() + 16, sealed.size() - 1}) {
        CAPTURE(at);
        CHECK_FALSE(accepts_with_bit_flipped(sealed, at, opens));
    }
    CHECK_FALSE(wp::decrypt_symmetric(wp::byte_view(sealed).first(sealed.size() - 1), key));
    CHECK_FALSE(wp::decrypt_symmetric(wp::byte_view(sealed).first(27), key));
    CHECK_FALSE(wp::decrypt_symmetric({}, key));
    CHECK(wp::presence_key("/webrtc-star/1").bytes == key.bytes);
}

TEST_CASE("asymmetric: only the recipient opens; tampering and truncation refused") {
    auto recipient = key_of('8');
    auto inner = wp::encode_signed(bytes_of(R"({"v":2,"type":"signal"})"), key_of('9'));
    auto sealed = wp::encrypt_asymmetric(inner, fed::public_of(recipient));
    CHECK(sealed.size() == inner.size() + wp::ecies_overhead);
    CHECK(sealed[0] == 4);
    CHECK(wp::decrypt_asymmetric(sealed, recipient) == inner);
    CHECK_FALSE(wp::decrypt_asymmetric(sealed, key_of('9')));
    auto opens = [&](wp::bytes const& b) { return wp::decrypt_asymmetric(b, recipient).has_value(); };
    // ephemeral key (prefix, x, y), IV, ciphertext, MAC
    for (std::size_t at : {std::size_t{0}, std::size_t{10}, std::size_t{64}, std::size_t{65}, std::size_t{80},
                           std::size_t{81}, sealed.size() / 2, sealed.size() - 32, sealed.size() - 1}) {
        CAPTURE(at);
        CHECK_FALSE(accepts_with_bit_flipped(sealed, at, opens));
    }
    CHECK_FALSE(wp::decrypt_asymmetric(wp::byte_view(sealed).first(sealed.size() - 1), recipient));
    CHECK_FALSE(wp::decrypt_asymmetric(wp::byte_view(sealed).first(wp::ecies_overhead), recipient));
    CHECK_FALSE(wp::decrypt_asymmetric({}, recipient));
    CHECK_FALSE(wp::decrypt_asymmetric(wp::bytes(wp::max_sealed_size + 1, 4), recipient));
    // Each seal draws a new ephemeral key and IV: the same message never looks the same twice.
    CHECK(wp::encrypt_asymmetric(inner, fed::public_of(recipient)) != sealed);
}

TEST_CASE("recipient tags: both servers of a pair make the same key; a tag names one recipient of one message") {
    auto a = key_of('1'), b = key_of('2'), c = key_of('3');
    auto ab = wp::pair_key_of(a, fed::public_of(b)), ba = wp::pair_key_of(b, fed::public_of(a));
    auto ac = wp::pair_key_of(a, fed::public_of(c));
    REQUIRE(ab);
    REQUIRE(ba);
    REQUIRE(ac);
    CHECK(ab->bytes == ba->bytes);
    CHECK(ab->bytes != ac->bytes);
    auto inner = wp::encode_signed(bytes_of(R"({"v":2})"), a);
    auto sealed = wp::encrypt_asymmetric(inner, fed::public_of(b));
    auto tag = wp::tag_of(*ab, fed::public_of(b), sealed);
    REQUIRE(tag);
    CHECK(wp::tag_of(*ba, fed::public_of(b), sealed) == tag);  // what b checks
    CHECK(wp::tag_of(*ac, fed::public_of(c), sealed) != tag);  // what c checks
    CHECK(wp::tag_of(*ab, fed::public_of(a), sealed) != tag);  // the other direction
    CHECK(wp::tag_of(*ab, fed::public_of(b), wp::encrypt_asymmetric(inner, fed::public_of(b))) != tag);
    CHECK_FALSE(wp::tag_of(*ab, fed::public_of(b), wp::byte_view(sealed).first(wp::ecies_overhead)));
}

TEST_CASE("a private key wipes its secret when it goes") {
    alignas(fed::private_key) unsigned char storage[sizeof(fed::private_key)];
    auto* k = new (storage) fed::private_key(key_of('7'));
    CHECK(k->bytes[0] == 0x77);
    k->~private_key();
    CHECK(std::all_of(std::begin(storage), std::end(storage), [](unsigned char b) { return b == 0; }));
}
