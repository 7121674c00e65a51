// A federated server's identity: a secp256k1 key pair, and the federation id derived from it.
//
// The federation id is the compressed public key in lower-case hex (66 characters, "02…" or "03…"):
// no one can claim an id without signing with its key, and a sender that knows a destination's id
// knows the key to encrypt a signal for it. A trust list writes the same text (to_text); it also
// accepts the uncompressed form ("04…", 130 hex digits) and a "0x" prefix, as js-waku prints keys.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace star::protocol::federation {

// Each copy wipes its secret when it goes (OPENSSL_cleanse), so no key lingers in freed memory.
struct private_key {
    std::array<std::uint8_t, 32> bytes{};

    private_key() = default;
    private_key(private_key const&) = default;
    private_key& operator=(private_key const&) = default;
    ~private_key();
};

// Overwrites secret bytes that are no longer needed (not optimised away, unlike memset).
void wipe(void* secret, std::size_t size);
struct public_key {
    std::array<std::uint8_t, 33> compressed{};
    friend bool operator==(public_key const&, public_key const&) = default;
};

inline constexpr std::size_t server_id_length = 66;

// 64 hex digits (optional "0x"), a valid secp256k1 secret; nullopt otherwise.
std::optional<private_key> parse_private_key(std::string_view hex);
std::string to_hex(private_key const&);
// 66 hex digits (compressed) or 130 (uncompressed, "04…"), optional "0x", a point on the curve.
std::optional<public_key> parse_public_key(std::string_view text);
std::string to_text(public_key const&);                        // as written in a trust list: compressed, lower-case hex
std::string server_id(public_key const&);                      // the federation id (today the same text as to_text)
std::array<std::uint8_t, 65> uncompressed(public_key const&);  // "04" || x || y, as js-waku wants it
public_key public_of(private_key const&);
// From OpenSSL's CSPRNG; throws std::runtime_error if it fails (start-up only).
private_key generate_private_key();

}  // namespace star::protocol::federation
