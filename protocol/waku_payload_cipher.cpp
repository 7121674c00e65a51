// The outer layer of 26/WAKU2-PAYLOAD: AES-256-GCM with a shared key, or ECIES to a public key.
#include "protocol/waku_payload.hpp"

#include "protocol/secp256k1_context.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <memory>
#include <stdexcept>

namespace star::protocol::waku_payload {
namespace {

using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;
constexpr std::size_t ecies_iv_size = 16, mac_size = 32;

cipher_ctx new_ctx() {
    cipher_ctx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    if (!ctx) throw std::bad_alloc();
    return ctx;
}

// One pass of a stream mode (CTR, or GCM's data): output as long as the input.
bool update(EVP_CIPHER_CTX* ctx, byte_view in, std::uint8_t* out) {
    int written = 0;
    if (in.empty()) return true;
    return EVP_CipherUpdate(ctx, out, &written, in.data(), static_cast<int>(in.size())) == 1 &&
           static_cast<std::size_t>(written) == in.size();
}

bool aes_128_ctr(byte_view key, byte_view iv, byte_view in, std::uint8_t* out) {
    auto ctx = new_ctx();
    return EVP_CipherInit_ex(ctx.get(), EVP_aes_128_ctr(), nullptr, key.data(), iv.data(), 1) == 1 &&
           update(ctx.get(), in, out);
}

// ECIES key material as go-ethereum and js-waku derive it: SHA-256(counter 1 | x of the shared point);
// 16 bytes of AES key, and the MAC key SHA-256 of the other 16. Wiped when they go, as is every
// step of the ECDH that made them.
struct ecies_keys {
    std::array<std::uint8_t, 16> encryption;
    std::array<std::uint8_t, 32> mac;

    ecies_keys() = default;
    ecies_keys(ecies_keys const&) = default;
    ~ecies_keys() {
        federation::wipe(encryption.data(), encryption.size());
        federation::wipe(mac.data(), mac.size());
    }
};

std::optional<ecies_keys> derive(secp256k1_pubkey point, federation::private_key const& key) {
    auto const* ctx = federation::secp256k1();
    if (!secp256k1_ec_pubkey_tweak_mul(ctx, &point, key.bytes.data())) return std::nullopt;
    std::array<std::uint8_t, 4 + 32> input{};  // counter (big-endian 1) | x
    std::size_t written = 33;
    secp256k1_ec_pubkey_serialize(ctx, input.data() + 3, &written, &point, SECP256K1_EC_COMPRESSED);
    input[3] = 1;  // the compressed form's prefix byte was written over the counter's last byte
    std::array<std::uint8_t, 32> material;
    SHA256(input.data(), input.size(), material.data());
    ecies_keys out;
    std::copy_n(material.begin(), 16, out.encryption.begin());
    SHA256(material.data() + 16, 16, out.mac.data());
    federation::wipe(&point, sizeof point);
    federation::wipe(input.data(), input.size());
    federation::wipe(material.data(), material.size());
    return out;
}

std::array<std::uint8_t, mac_size> hmac_sha256(std::span<std::uint8_t const, 32> key, byte_view data) {
    std::array<std::uint8_t, mac_size> out;
    unsigned int written = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &written))
        throw std::runtime_error("HMAC-SHA256 failed");
    return out;
}

federation::private_key random_private_key(random_source const& random) {
    federation::private_key k;
    for (int attempt = 0; attempt < 16; ++attempt) {
        random(k.bytes);
        if (secp256k1_ec_seckey_verify(federation::secp256k1(), k.bytes.data())) return k;
    }
    throw std::runtime_error("could not draw a valid secp256k1 key");
}

}  // namespace

bytes encrypt_symmetric(byte_view inner, symmetric_key const& key, random_source const& random) {
    bytes out(inner.size() + symmetric_tag_size + symmetric_iv_size);
    auto iv = std::span(out).last(symmetric_iv_size);
    random(iv);
    auto ctx = new_ctx();
    int final_size = 0;
    if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes.data(), iv.data()) != 1 ||
        !update(ctx.get(), inner, out.data()) || EVP_EncryptFinal_ex(ctx.get(), nullptr, &final_size) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, symmetric_tag_size, out.data() + inner.size()) != 1)
        throw std::runtime_error("AES-256-GCM failed");
    return out;
}

std::optional<bytes> decrypt_symmetric(byte_view sealed, symmetric_key const& key) {
    if (sealed.size() < symmetric_tag_size + symmetric_iv_size || sealed.size() > max_sealed_size) return std::nullopt;
    auto iv = sealed.last(symmetric_iv_size);
    auto cipher = sealed.first(sealed.size() - symmetric_iv_size - symmetric_tag_size);
    auto tag = sealed.subspan(cipher.size(), symmetric_tag_size);
    bytes out(cipher.size());
    auto ctx = new_ctx();
    int final_size = 0;
    if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes.data(), iv.data()) != 1 ||
        !update(ctx.get(), cipher, out.data()) ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, symmetric_tag_size,
                            const_cast<std::uint8_t*>(tag.data())) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), nullptr, &final_size) != 1)
        return std::nullopt;
    return out;
}

bytes encrypt_asymmetric(byte_view inner, federation::public_key const& to, random_source const& random) {
    auto const* ctx = federation::secp256k1();
    secp256k1_pubkey recipient;
    if (!secp256k1_ec_pubkey_parse(ctx, &recipient, to.compressed.data(), to.compressed.size()))
        throw std::invalid_argument("not a secp256k1 public key");
    auto ephemeral = random_private_key(random);
    auto keys = derive(recipient, ephemeral);
    if (!keys) throw std::runtime_error("ECDH failed");
    auto ephemeral_public = federation::uncompressed(federation::public_of(ephemeral));
    bytes out(ephemeral_public.size() + ecies_iv_size + inner.size() + mac_size);
    std::copy(ephemeral_public.begin(), ephemeral_public.end(), out.begin());
    auto iv_and_cipher = std::span(out).subspan(ephemeral_public.size(), ecies_iv_size + inner.size());
    random(iv_and_cipher.first(ecies_iv_size));
    if (!aes_128_ctr(keys->encryption, iv_and_cipher.first(ecies_iv_size), inner, iv_and_cipher.data() + ecies_iv_size))
        throw std::runtime_error("AES-128-CTR failed");
    auto mac = hmac_sha256(keys->mac, iv_and_cipher);
    std::copy(mac.begin(), mac.end(), out.end() - mac_size);
    return out;
}

std::optional<bytes> decrypt_asymmetric(byte_view sealed, federation::private_key const& own) {
    // js-waku refuses an empty ciphertext too (its inner layer is never empty).
    if (sealed.size() <= ecies_overhead || sealed.size() > max_sealed_size || sealed[0] != 4) return std::nullopt;
    secp256k1_pubkey ephemeral;
    if (!secp256k1_ec_pubkey_parse(federation::secp256k1(), &ephemeral, sealed.data(), 65)) return std::nullopt;
    auto keys = derive(ephemeral, own);
    if (!keys) return std::nullopt;
    auto iv_and_cipher = sealed.subspan(65, sealed.size() - 65 - mac_size);
    auto mac = hmac_sha256(keys->mac, iv_and_cipher);
    if (CRYPTO_memcmp(mac.data(), sealed.data() + sealed.size() - mac_size, mac_size) != 0) return std::nullopt;
    bytes out(iv_and_cipher.size() - ecies_iv_size);
    if (!aes_128_ctr(keys->encryption, iv_and_cipher.first(ecies_iv_size), iv_and_cipher.subspan(ecies_iv_size),
                     out.data()))
        return std::nullopt;
    return out;
}

pair_key::~pair_key() { federation::wipe(bytes.data(), bytes.size()); }

std::optional<pair_key> pair_key_of(federation::private_key const& own, federation::public_key const& other) {
    auto const* ctx = federation::secp256k1();
    secp256k1_pubkey point;
    if (!secp256k1_ec_pubkey_parse(ctx, &point, other.compressed.data(), other.compressed.size()) ||
        !secp256k1_ec_pubkey_tweak_mul(ctx, &point, own.bytes.data()))
        return std::nullopt;
    static constexpr std::string_view label = "webrtc-star recipient tag v1\n";
    std::array<std::uint8_t, label.size() + 33> input{};
    std::copy(label.begin(), label.end(), input.begin());
    std::size_t written = 33;
    secp256k1_ec_pubkey_serialize(ctx, input.data() + label.size(), &written, &point, SECP256K1_EC_COMPRESSED);
    // Only x: the sign byte of the compressed form says nothing the other side would not also write.
    input[label.size()] = 0;
    pair_key out;
    SHA256(input.data(), input.size(), out.bytes.data());
    federation::wipe(&point, sizeof point);
    federation::wipe(input.data(), input.size());
    return out;
}

std::optional<recipient_tag> tag_of(pair_key const& key, federation::public_key const& recipient, byte_view sealed) {
    if (sealed.size() <= ecies_overhead) return std::nullopt;
    std::array<std::uint8_t, 33 + 65> input;
    std::copy(recipient.compressed.begin(), recipient.compressed.end(), input.begin());
    std::copy_n(sealed.begin(), 65, input.begin() + 33);
    auto mac = hmac_sha256(key.bytes, input);
    recipient_tag out;
    std::copy_n(mac.begin(), out.size(), out.begin());
    return out;
}

}  // namespace star::protocol::waku_payload
