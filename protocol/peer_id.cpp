#include "protocol/peer_id.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace star::protocol {
namespace {

constexpr std::string_view base58_alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

constexpr std::size_t max_peer_id_text = 128;

// base58btc digits, -1 for bytes outside the alphabet.
constexpr std::array<std::int8_t, 256> base58_index = [] {
    std::array<std::int8_t, 256> index{};
    for (auto& i : index) i = -1;
    for (std::size_t i = 0; i < base58_alphabet.size(); ++i)
        index[static_cast<unsigned char>(base58_alphabet[i])] = static_cast<std::int8_t>(i);
    return index;
}();

// The number `text` spells in base 58, into little-endian 32-bit limbs (room for 6 bits a
// character), five characters a step (58^5 < 2^32): a peer id is ten steps over nine limbs,
// with no allocation. False on a character outside the alphabet.
bool base58_accumulate(std::string_view text, std::uint32_t* limbs, std::size_t& size) {
    size = 0;
    for (std::size_t i = 0; i < text.size();) {
        std::uint64_t multiplier = 1;
        std::uint64_t carry = 0;
        for (std::size_t k = 0; k < 5 && i < text.size(); ++k, ++i) {
            int digit = base58_index[static_cast<unsigned char>(text[i])];
            if (digit < 0) return false;
            multiplier *= 58;
            carry = carry * 58 + static_cast<std::uint64_t>(digit);
        }
        for (std::size_t l = 0; l < size; ++l) {
            std::uint64_t t = limbs[l] * multiplier + carry;
            limbs[l] = static_cast<std::uint32_t>(t);
            carry = t >> 32;
        }
        if (carry) limbs[size++] = static_cast<std::uint32_t>(carry);
    }
    return true;
}

// The decoded bytes: one zero byte per leading '1', then the number, big-endian.
template <class Out>
void append_base58_bytes(std::string_view text, std::uint32_t const* limbs, std::size_t size, Out& out) {
    for (std::size_t i = 0; i < text.size() && text[i] == '1'; ++i) out.push_back('\0');
    bool leading = true;
    for (std::size_t l = size; l-- > 0;) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            auto b = static_cast<char>((limbs[l] >> shift) & 0xFF);
            if (leading && b == 0) continue;
            leading = false;
            out.push_back(b);
        }
    }
}

// A fixed buffer for the decoded bytes of a peer id's text (at most 128 characters).
struct peer_id_bytes {
    std::array<char, 128> data;
    std::size_t size = 0;
    void push_back(char c) { data[size++] = c; }
    std::string_view view() const { return {data.data(), size}; }
};

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
    std::vector<std::uint32_t> limbs((text.size() * 6 + 31) / 32 + 1);
    std::size_t size = 0;
    if (!base58_accumulate(text, limbs.data(), size)) return std::nullopt;
    std::string out;
    append_base58_bytes(text, limbs.data(), size, out);
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
        std::array<std::uint32_t, (max_peer_id_text * 6 + 31) / 32 + 1> limbs;
        std::size_t size = 0;
        if (!base58_accumulate(text, limbs.data(), size)) return std::nullopt;
        peer_id_bytes mh;  // 128 characters decode to fewer than 128 bytes
        append_base58_bytes(text, limbs.data(), size, mh);
        if (!is_peer_multihash(mh.view())) return std::nullopt;
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
