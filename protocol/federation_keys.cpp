#include "protocol/federation_keys.hpp"

#include "protocol/secp256k1_context.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <span>
#include <stdexcept>

namespace star::protocol::federation {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string_view without_0x(std::string_view s) {
    if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
    return s;
}

template <std::size_t N> bool parse_hex(std::string_view hex, std::array<std::uint8_t, N>& out) {
    if (hex.size() != 2 * N) return false;
    for (std::size_t i = 0; i < N; ++i) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    return true;
}

std::string hex_of(std::span<std::uint8_t const> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * bytes.size());
    for (auto b : bytes) out += digits[b >> 4], out += digits[b & 15];
    return out;
}

}  // namespace

secp256k1_context const* secp256k1() {
    static secp256k1_context const* const context = [] {
        auto* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
        unsigned char seed[32];
        // Blinding against side channels only: without it the context is still correct.
        bool blinded = RAND_bytes(seed, sizeof seed) == 1 && secp256k1_context_randomize(c, seed);
        (void)blinded;
        return c;
    }();
    return context;
}

void wipe(void* secret, std::size_t size) { OPENSSL_cleanse(secret, size); }

private_key::~private_key() { wipe(bytes.data(), bytes.size()); }

std::optional<private_key> parse_private_key(std::string_view hex) {
    private_key k;
    if (!parse_hex(without_0x(hex), k.bytes) || !secp256k1_ec_seckey_verify(secp256k1(), k.bytes.data()))
        return std::nullopt;
    return k;
}

std::string to_hex(private_key const& k) { return hex_of(k.bytes); }

std::optional<public_key> parse_public_key(std::string_view text) {
    text = without_0x(text);
    std::array<std::uint8_t, 65> raw{};
    std::size_t size = 0;
    if (text.size() == 66) {
        std::array<std::uint8_t, 33> compressed{};
        if (!parse_hex(text, compressed)) return std::nullopt;
        std::copy(compressed.begin(), compressed.end(), raw.begin());
        size = compressed.size();
    } else if (text.size() == 130) {
        if (!parse_hex(text, raw) || raw[0] != 4) return std::nullopt;  // not the "hybrid" 06/07 forms
        size = raw.size();
    } else {
        return std::nullopt;
    }
    secp256k1_pubkey point;
    if (!secp256k1_ec_pubkey_parse(secp256k1(), &point, raw.data(), size)) return std::nullopt;
    public_key k;
    std::size_t written = k.compressed.size();
    secp256k1_ec_pubkey_serialize(secp256k1(), k.compressed.data(), &written, &point, SECP256K1_EC_COMPRESSED);
    return k;
}

std::string to_text(public_key const& k) { return hex_of(k.compressed); }

std::string server_id(public_key const& k) { return to_text(k); }

std::array<std::uint8_t, 65> uncompressed(public_key const& k) {
    secp256k1_pubkey point;
    std::array<std::uint8_t, 65> out{};
    if (!secp256k1_ec_pubkey_parse(secp256k1(), &point, k.compressed.data(), k.compressed.size()))
        throw std::invalid_argument("not a secp256k1 public key");
    std::size_t written = out.size();
    secp256k1_ec_pubkey_serialize(secp256k1(), out.data(), &written, &point, SECP256K1_EC_UNCOMPRESSED);
    return out;
}

public_key public_of(private_key const& k) {
    secp256k1_pubkey point;
    if (!secp256k1_ec_pubkey_create(secp256k1(), &point, k.bytes.data()))
        throw std::invalid_argument("not a secp256k1 private key");
    public_key out;
    std::size_t written = out.compressed.size();
    secp256k1_ec_pubkey_serialize(secp256k1(), out.compressed.data(), &written, &point, SECP256K1_EC_COMPRESSED);
    return out;
}

private_key generate_private_key() {
    private_key k;
    // A random 32 bytes is a valid key but with probability ~2^-128; retry rather than assume.
    for (int attempt = 0; attempt < 16; ++attempt) {
        if (RAND_bytes(k.bytes.data(), static_cast<int>(k.bytes.size())) != 1)
            throw std::runtime_error("OpenSSL's random generator failed");
        if (secp256k1_ec_seckey_verify(secp256k1(), k.bytes.data())) return k;
    }
    throw std::runtime_error("could not draw a valid secp256k1 key");
}

}  // namespace star::protocol::federation
