#pragma once
// Deterministic, distinct libp2p peer ids for bench clients.

#include <cstdint>
#include <string>
#include <string_view>

namespace webrtc_star::bench {

// base58btc (bitcoin alphabet) of arbitrary bytes.
std::string base58btc(std::string_view bytes);

// "Qm..." (46 chars): base58btc of the sha2-256 multihash [0x12, 0x20, 32 bytes]
// whose digest is derived from (seed, index). Distinct for distinct indices.
std::string peer_id_for(std::uint64_t index, std::uint64_t seed = 0);

// The multiaddr a real webrtc-star listener announces: the signalling
// server's address (/ws, or /wss for a TLS server) plus /p2p-webrtc-star/p2p/<peer id>.
std::string listen_multiaddr(std::string_view server_host, unsigned server_port, std::string_view peer_id,
                             bool tls = false);

}  // namespace webrtc_star::bench
