// libp2p peer ids as they appear in multiaddrs: base58btc multihashes ("Qm…", "12D3Koo…",
// "16Uiu2…") and CIDv1 with the libp2p-key codec in base32 ("bafz…").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace star::protocol {

// Decodes base58btc; nullopt on a character outside the alphabet.
std::optional<std::string> base58btc_decode(std::string_view text);
std::string base58btc_encode(std::string_view bytes);

// Validates a peer id's text the way libp2p clients parse it and returns its canonical
// key: the base58btc text of its multihash, so that both textual forms of one peer id
// compare equal.
std::optional<std::string> peer_id_key(std::string_view text);

}  // namespace star::protocol
