#include "protocol/peer_id.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace star::protocol {
namespace {

constexpr std::string_view base58_alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

constexpr std::size_t max_peer_id_text = 128;

// Reads an unsigned varint (at most 9 bytes, as multiformats allow).
std::optional<std::uint64_t> read_varint(std::string_view& in) {
    std::uint64_t v = 0;
    for (int i = 0; i < 9 && !in.empty(); ++i) {
        auto b = static_cast<std::uint8_t>(in.front());
        in.remove_prefix(1);
        v |= static_cast<std::uint64_t>(b & 0x7F) << (7 * i);
        if ((b & 0x80) == 0) return v;
    }
    return std::nullopt;
}

// A multihash is a peer id if it is a sha2-256 digest (RSA keys) or an identity
// digest of an Ed25519 or secp256k1 public key in libp2p's protobuf encoding.
bool is_peer_multihash(std::string_view mh) {
    auto code = read_varint(mh);
    auto length = read_varint(mh);
    if (!code || !length || *length != mh.size()) return false;
    if (*code == 0x12) return *length == 32;
    if (*code != 0x00) return false;
    // protobuf: field 1 (key type) varint, field 2 (data) bytes
    if (mh.size() < 4 || mh[0] != 0x08 || mh[2] != 0x12) return false;
    auto type = static_cast<std::uint8_t>(mh[1]);
    auto key_len = static_cast<std::uint8_t>(mh[3]);
    if (type == 1) return key_len == 32 && mh.size() == 36;  // Ed25519
    if (type == 2) return key_len == 33 && mh.size() == 37;  // secp256k1 (compressed)
    return false;
}

std::optional<std::string> base32_decode_lower(std::string_view text) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : text) {
        int v;
        if (c >= 'a' && c <= 'z') v = c - 'a';
        else if (c >= '2' && c <= '7') v = c - '2' + 26;
        else return std::nullopt;
        buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

}  // namespace

std::optional<std::string> base58btc_decode(std::string_view text) {
    std::array<int, 128> index{};
    index.fill(-1);
    for (std::size_t i = 0; i < base58_alphabet.size(); ++i)
        index[static_cast<unsigned char>(base58_alphabet[i])] = static_cast<int>(i);
    std::vector<std::uint8_t> bytes;  // little-endian base-256 accumulator
    std::size_t zeros = 0;
    while (zeros < text.size() && text[zeros] == '1') ++zeros;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u >= 128 || index[u] < 0) return std::nullopt;
        int carry = index[u];
        for (auto& b : bytes) {
            carry += b * 58;
            b = static_cast<std::uint8_t>(carry & 0xFF);
            carry >>= 8;
        }
        while (carry > 0) {
            bytes.push_back(static_cast<std::uint8_t>(carry & 0xFF));
            carry >>= 8;
        }
    }
    std::string out(zeros, '\0');
    for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) out += static_cast<char>(*it);
    return out;
}

std::string base58btc_encode(std::string_view bytes) {
    std::vector<std::uint8_t> digits;  // little-endian base-58
    std::size_t zeros = 0;
    while (zeros < bytes.size() && bytes[zeros] == '\0') ++zeros;
    for (char c : bytes) {
        int carry = static_cast<std::uint8_t>(c);
        for (auto& d : digits) {
            carry += d << 8;
            d = static_cast<std::uint8_t>(carry % 58);
            carry /= 58;
        }
        while (carry > 0) {
            digits.push_back(static_cast<std::uint8_t>(carry % 58));
            carry /= 58;
        }
    }
    std::string out(zeros, '1');
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) out += base58_alphabet[*it];
    return out;
}

std::optional<std::string> peer_id_key(std::string_view text) {
    if (text.empty() || text.size() > max_peer_id_text) return std::nullopt;
    if (text.front() == '1' || text.front() == 'Q') {
        auto mh = base58btc_decode(text);
        if (!mh || !is_peer_multihash(*mh)) return std::nullopt;
        return std::string(text);
    }
    if (text.front() == 'b') {
        auto bytes = base32_decode_lower(text.substr(1));
        if (!bytes) return std::nullopt;
        std::string_view in = *bytes;
        auto cid_version = read_varint(in);
        auto codec = read_varint(in);
        if (cid_version != 1u || codec != 0x72u || !is_peer_multihash(in)) return std::nullopt;
        return base58btc_encode(in);
    }
    return std::nullopt;
}

}  // namespace star::protocol
