// 26/WAKU2-PAYLOAD: the payload of a "version 1" Waku message, byte for byte as js-waku's
// @waku/message-encryption writes and reads it.
//
// Inner layer (clear, then encrypted whole):
//   flags(1) | size(1..3, little-endian) | payload | padding | [signature(65)]
//   flags: bits 0-1 the size field's length, bit 2 "signed".
//   padding: random, so that the whole inner layer is a multiple of 256 bytes (1..256 bytes).
//   signature: secp256k1 r(32) | s(32) | recovery id(1, 0 or 1) over keccak256 of everything before it.
// Outer layer, one of:
//   symmetric:  AES-256-GCM(inner) | tag(16) | iv(12)
//   asymmetric: ECIES: ephemeral public key(65, uncompressed) | iv(16) | AES-128-CTR(inner) | HMAC-SHA256(32)
//               key material: SHA-256(00000001 | x of ECDH); first 16 bytes encrypt, SHA-256(last 16) is
//               the MAC key; the MAC covers iv | ciphertext.
// Decoders check every length before they allocate: nothing a sender claims makes them allocate more
// than the input's own size.
#pragma once

#include "protocol/federation_keys.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace star::protocol::waku_payload {

using bytes = std::vector<std::uint8_t>;
using byte_view = std::span<std::uint8_t const>;

// Bounds: the inner payload (a federation envelope) and a whole sealed message.
inline constexpr std::size_t max_payload_size = 1024 * 1024 + 64 * 1024;
inline constexpr std::size_t signature_size = 65;
inline constexpr std::size_t padding_target = 256;
inline constexpr std::size_t symmetric_iv_size = 12, symmetric_tag_size = 16;
inline constexpr std::size_t ecies_overhead = 65 + 16 + 32;
// The most sealing adds to a payload (flags, a 3-byte size, 256 bytes of padding, the signature,
// ECIES): what a sender must leave free below the relay's message size limit.
inline constexpr std::size_t max_overhead = 1 + 3 + padding_target + signature_size + ecies_overhead;
inline constexpr std::size_t max_sealed_size = max_payload_size + max_overhead;

struct symmetric_key {
    std::array<std::uint8_t, 32> bytes{};
};

// Fills its argument with random bytes. Production uses system_random (OpenSSL's CSPRNG, throws
// std::runtime_error if it fails); tests pass their own to reproduce known bytes.
using random_source = std::function<void(std::span<std::uint8_t>)>;
void system_random(std::span<std::uint8_t> out);

// The inner layer, signed by `signer` (RFC 6979 nonces: the signature is deterministic).
bytes encode_signed(byte_view payload, federation::private_key const& signer,
                    random_source const& random = system_random);
// The inner layer, unsigned (js-waku writes these when no signing key is given; we never do).
bytes encode_unsigned(byte_view payload, random_source const& random = system_random);

struct decoded {
    bytes payload;
    std::optional<federation::public_key> signer;  // empty: the message was not signed
};
struct decode_result {
    std::optional<decoded> value;
    std::string_view error;  // when value is empty: "truncated", "bad_flags", "too_large", "bad_signature"
};
decode_result decode(byte_view inner);

bytes encrypt_symmetric(byte_view inner, symmetric_key const& key, random_source const& random = system_random);
std::optional<bytes> decrypt_symmetric(byte_view sealed, symmetric_key const& key);
bytes encrypt_asymmetric(byte_view inner, federation::public_key const& to,
                         random_source const& random = system_random);
std::optional<bytes> decrypt_asymmetric(byte_view sealed, federation::private_key const& own);

// The key presence messages are encrypted with: SHA-256 of a fixed label and a string every member
// knows. The server passes its content-topic prefix, which is public: presence is authenticated (each
// envelope is signed, and receivers believe only keys they trust), not secret, since peer ids are
// public anyway; encrypting it still makes it a message js-waku reads with a symmetric decoder, and a
// secret shared by the operators could be passed instead to hide it from the rest of the relay.
symmetric_key presence_key(std::string_view secret_or_topic_prefix);

// The recipient tag of a signal (sent in the Waku message's `meta`, outside the ciphertext), so that a
// server skips the signals meant for others without an ECDH of its own per message. It reveals nothing
// to the relay: it is an HMAC with a key only the two servers share (SHA-256 of a label and the x of
// ECDH(sender's key, recipient's key): the same for both), over the recipient's public key and the
// message's ephemeral ECIES key (its first 65 bytes, unique per message), cut to 16 bytes. One ECDH per
// pair of servers, made once; then one HMAC per trusted server and received signal.
inline constexpr std::size_t recipient_tag_size = 16;
struct pair_key {
    std::array<std::uint8_t, 32> bytes{};

    pair_key() = default;
    pair_key(pair_key const&) = default;
    pair_key& operator=(pair_key const&) = default;
    ~pair_key();  // wiped
};
using recipient_tag = std::array<std::uint8_t, recipient_tag_size>;
// nullopt when `other` is not a usable public key.
std::optional<pair_key> pair_key_of(federation::private_key const& own, federation::public_key const& other);
// nullopt when `sealed` is too short to be an ECIES message.
std::optional<recipient_tag> tag_of(pair_key const& key, federation::public_key const& recipient, byte_view sealed);

}  // namespace star::protocol::waku_payload
