// The addresses webrtc-star peers join with:
//   /ip4/127.0.0.1/tcp/9090/ws/p2p-webrtc-star/p2p/<peer id>
// host (ip4, ip6, dns, dns4, dns6, dnsaddr) / tcp port / ws or wss / p2p-webrtc-star,
// then /p2p/<id> (or the legacy /ipfs/<id>). Exactly the shapes the client library can
// dial through, so nothing announced from here can make a client's multiaddr parser throw.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace star::protocol {

inline constexpr std::size_t max_star_address_length = 512;

struct star_address {
    std::string text;           // as the peer joined with it
    std::size_t prefix_length;  // text.substr(0, prefix_length): the signalling part, without /p2p/<id>
    std::string peer_id;        // the id's text
    std::string key;            // canonical peer id (base58btc multihash)
    bool legacy_ipfs = false;   // ended in /ipfs/<id>

    std::string_view prefix() const { return std::string_view(text).substr(0, prefix_length); }
};

struct star_address_result {
    std::optional<star_address> address;
    std::string error;  // why it was refused, when address is empty
};

star_address_result parse_star_address(std::string_view text);

// The same rules, when only the canonical peer id is wanted (a handshake's addresses): nothing
// but the key is copied out.
std::optional<std::string> star_address_key(std::string_view text);

// The address under which `receiver` should see `peer`: the receiver's own prefix, then
// the peer's id, in the receiver's style (/p2p/ or legacy /ipfs/).
std::string address_for(star_address const& receiver, std::string_view peer_id);

}  // namespace star::protocol
