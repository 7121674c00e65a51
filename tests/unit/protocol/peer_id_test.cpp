#include "protocol/peer_id.hpp"

#include "test_ids.hpp"

#include <catch2/catch.hpp>

using namespace star::protocol;

TEST_CASE("base58btc round-trips, leading zeros included") {
    std::string bytes = {0, 0, 1, 2, static_cast<char>(255)};
    auto text = base58btc_encode(bytes);
    CHECK(text.substr(0, 2) == "11");
    CHECK(base58btc_decode(text) == bytes);
    CHECK_FALSE(base58btc_decode("0OIl"));
}

TEST_CASE("peer ids of every key type are accepted") {
    CHECK(peer_id_key("QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC"));
    auto ed = star::test::ed25519_peer_id(1);
    CHECK(ed.substr(0, 8) == "12D3KooW");
    CHECK(peer_id_key(ed) == ed);
    // secp256k1: identity multihash of a 33-byte compressed key ("16Uiu2…").
    std::string mh = {0x00, 0x25, 0x08, 0x02, 0x12, 0x21};
    mh += std::string(33, '\x02');
    auto secp = base58btc_encode(mh);
    CHECK(secp.substr(0, 5) == "16Uiu");
    CHECK(peer_id_key(secp));
}

TEST_CASE("a CID peer id has the same key as its base58 form") {
    // bafzaa… is CIDv1 libp2p-key in base32; build one from a known multihash.
    std::string mh = {0x00, 0x24, 0x08, 0x01, 0x12, 0x20};
    mh += std::string(32, '\x07');
    std::string cid = std::string{0x01, 0x72} + mh;
    static constexpr char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
    std::string text = "b";
    unsigned buffer = 0;
    int bits = 0;
    for (unsigned char c : cid) {
        buffer = (buffer << 8) | c;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            text += b32[(buffer >> bits) & 31];
        }
    }
    if (bits > 0) text += b32[(buffer << (5 - bits)) & 31];
    CHECK(text.substr(0, 4) == "bafz");
    CHECK(peer_id_key(text) == base58btc_encode(mh));
}

TEST_CASE("invalid peer ids are refused") {
    for (auto text : {"", "notapeerid", "Qm", "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNK",
                      "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKCC", "12D3KooW", "bafzinvalid!", "Qm0OIl"}) {
        INFO(text);
        CHECK_FALSE(peer_id_key(text));
    }
    CHECK_FALSE(peer_id_key(std::string(1000, 'Q')));
    // A sha2-256 multihash of the wrong length.
    CHECK_FALSE(peer_id_key(base58btc_encode(std::string{0x12, 0x10} + std::string(16, 'a'))));
}

TEST_CASE("base58btc decodes every length and byte pattern the encoder makes") {
    // The decoder works five characters a step over 32-bit limbs: lengths around the step and
    // limb boundaries, leading zeros and all-0xFF runs are where such code goes wrong.
    std::uint32_t state = 12345;
    for (std::size_t length = 0; length <= 70; ++length) {
        for (int pattern = 0; pattern < 4; ++pattern) {
            std::string bytes(length, '\0');
            for (std::size_t i = 0; i < length; ++i) {
                state = state * 1103515245u + 12345u;
                char random = static_cast<char>(state >> 16);
                bytes[i] = pattern == 0            ? random
                           : pattern == 1          ? static_cast<char>(0xFF)
                           : pattern == 2 && i < 3 ? '\0'
                                                   : random;
            }
            auto text = base58btc_encode(bytes);
            auto decoded = base58btc_decode(text);
            REQUIRE(decoded);
            CHECK(*decoded == bytes);
        }
    }
}

TEST_CASE("a peer id of 128 characters of '1' is refused without overrunning") {
    CHECK_FALSE(peer_id_key(std::string(128, '1')));
    CHECK_FALSE(peer_id_key(std::string(128, 'z').replace(0, 1, "Q")));
}
