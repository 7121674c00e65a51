// The inner layer of 26/WAKU2-PAYLOAD: flags, size, payload, padding, signature.
#include "protocol/waku_payload.hpp"

#include "protocol/secp256k1_context.hpp"

#include <crypto++/keccak.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <secp256k1_recovery.h>

#include <stdexcept>
#include <string>

namespace star::protocol::waku_payload {
namespace {

constexpr std::uint8_t size_field_mask = 0x03, signed_flag = 0x04;
constexpr std::uint8_t known_flags = size_field_mask | signed_flag;

using hash = std::array<std::uint8_t, 32>;

// Ethereum's Keccak-256 (the original padding), which js-waku hashes with: not SHA3-256.
hash keccak256(byte_view data) {
    hash out;
    CryptoPP::Keccak_256 h;
    h.CalculateDigest(out.data(), data.data(), data.size());
    return out;
}

// As js-waku computes it: one byte, plus one per factor of 256 the size reaches.
std::size_t size_field_length(std::size_t payload_size) {
    std::size_t n = 1;
    for (std::size_t i = payload_size; i >= 256; i /= 256) ++n;
    return n;
}

std::array<std::uint8_t, signature_size> sign(hash const& digest, federation::private_key const& key) {
    secp256k1_ecdsa_recoverable_signature sig;
    // nullptr nonce function: RFC 6979, as @noble/secp256k1 signs, so both write the same bytes.
    if (!secp256k1_ecdsa_sign_recoverable(federation::secp256k1(), &sig, digest.data(), key.bytes.data(), nullptr,
                                          nullptr))
        throw std::invalid_argument("not a secp256k1 private key");
    std::array<std::uint8_t, signature_size> out{};
    int recovery_id = 0;
    secp256k1_ecdsa_recoverable_signature_serialize_compact(federation::secp256k1(), out.data(), &recovery_id, &sig);
    out[64] = static_cast<std::uint8_t>(recovery_id);
    return out;
}

// The signer's key, or nothing when the signature is malformed, not in low-S form (a second valid
// encoding of the same signature, which no honest signer writes) or recovers no key.
std::optional<federation::public_key> recover(hash const& digest, byte_view signature) {
    auto const* ctx = federation::secp256k1();
    secp256k1_ecdsa_recoverable_signature sig;
    if (signature[64] > 3 ||
        !secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, signature.data(), signature[64]))
        return std::nullopt;
    secp256k1_ecdsa_signature plain;
    secp256k1_ecdsa_recoverable_signature_convert(ctx, &plain, &sig);
    if (secp256k1_ecdsa_signature_normalize(ctx, nullptr, &plain)) return std::nullopt;
    secp256k1_pubkey point;
    if (!secp256k1_ecdsa_recover(ctx, &point, &sig, digest.data())) return std::nullopt;
    federation::public_key out;
    std::size_t written = out.compressed.size();
    secp256k1_ec_pubkey_serialize(ctx, out.compressed.data(), &written, &point, SECP256K1_EC_COMPRESSED);
    return out;
}

bytes encode(byte_view payload, federation::private_key const* signer, random_source const& random) {
    if (payload.size() > max_payload_size) throw std::invalid_argument("payload over max_payload_size");
    std::size_t field = size_field_length(payload.size());
    std::size_t raw_size = 1 + field + payload.size() + (signer ? signature_size : 0);
    std::size_t padding = padding_target - raw_size % padding_target;  // 1..256, as js-waku pads
    bytes out;
    out.reserve(raw_size + padding);
    out.push_back(static_cast<std::uint8_t>(field | (signer ? signed_flag : 0)));
    for (std::size_t i = 0; i < field; ++i) out.push_back(static_cast<std::uint8_t>(payload.size() >> (8 * i)));
    out.insert(out.end(), payload.begin(), payload.end());
    out.resize(out.size() + padding);
    random(std::span(out).last(padding));
    if (signer) {
        auto signature = sign(keccak256(out), *signer);
        out.insert(out.end(), signature.begin(), signature.end());
    }
    return out;
}

}  // namespace

void system_random(std::span<std::uint8_t> out) {
    if (!out.empty() && RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
        throw std::runtime_error("OpenSSL's random generator failed");
}

bytes encode_signed(byte_view payload, federation::private_key const& signer, random_source const& random) {
    return encode(payload, &signer, random);
}

bytes encode_unsigned(byte_view payload, random_source const& random) { return encode(payload, nullptr, random); }

decode_result decode(byte_view inner) {
    if (inner.size() > max_sealed_size) return {std::nullopt, "too_large"};
    if (inner.empty()) return {std::nullopt, "truncated"};
    std::uint8_t flags = inner[0];
    std::size_t field = flags & size_field_mask;
    if (field == 0 || (flags & ~known_flags)) return {std::nullopt, "bad_flags"};
    bool is_signed = flags & signed_flag;
    std::size_t trailer = is_signed ? signature_size : 0;
    if (inner.size() < 1 + field + trailer) return {std::nullopt, "truncated"};
    std::size_t size = 0;
    for (std::size_t i = 0; i < field; ++i) size |= std::size_t{inner[1 + i]} << (8 * i);
    if (size > max_payload_size) return {std::nullopt, "too_large"};
    // Checked against what is there before anything is allocated for it.
    if (size > inner.size() - 1 - field - trailer) return {std::nullopt, "truncated"};
    decoded out;
    if (is_signed) {
        auto signed_part = inner.first(inner.size() - signature_size);
        out.signer = recover(keccak256(signed_part), inner.last(signature_size));
        if (!out.signer) return {std::nullopt, "bad_signature"};
    }
    auto payload = inner.subspan(1 + field, size);
    out.payload.assign(payload.begin(), payload.end());
    return {std::move(out), {}};
}

symmetric_key presence_key(std::string_view secret_or_topic_prefix) {
    // A label, so that the same secret used elsewhere never yields this key.
    std::string input = "webrtc-star federation presence key v2\n";
    input += secret_or_topic_prefix;
    symmetric_key key;
    SHA256(reinterpret_cast<unsigned char const*>(input.data()), input.size(), key.bytes.data());
    return key;
}

}  // namespace star::protocol::waku_payload
