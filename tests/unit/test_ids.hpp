// Real peer ids for tests, made the way libp2p makes them.
#pragma once

#include "protocol/peer_id.hpp"

#include <string>

namespace star::test {

// An RSA-style peer id: base58btc of a sha2-256 multihash ("Qm…").
inline std::string rsa_peer_id(unsigned char seed) {
    std::string mh = {0x12, 0x20};
    for (int i = 0; i < 32; ++i) mh += static_cast<char>(seed + i * 7);
    return protocol::base58btc_encode(mh);
}

// An Ed25519 peer id: identity multihash of the protobuf public key ("12D3KooW…").
inline std::string ed25519_peer_id(unsigned char seed) {
    std::string mh = {0x00, 0x24, 0x08, 0x01, 0x12, 0x20};
    for (int i = 0; i < 32; ++i) mh += static_cast<char>(seed ^ (i * 13));
    return protocol::base58btc_encode(mh);
}

inline std::string star_addr(std::string const& id, std::string const& host = "/ip4/127.0.0.1") {
    return host + "/tcp/9090/ws/p2p-webrtc-star/p2p/" + id;
}

}  // namespace star::test
