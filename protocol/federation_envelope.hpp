// What webrtc-star servers tell each other over a shared relay (Waku): version 2.
//
// Every envelope is one JSON object, UTF-8, signed and encrypted into a Waku message payload
// (26/WAKU2-PAYLOAD: protocol/waku_payload.hpp, server/federation/sealer.hpp):
//   {"v":2,"type":T,"from":SERVER,"id":UNIQUE,"ts":MILLISECONDS, ...}
// SERVER is a federation id: the server's compressed public key in hex (protocol/federation_keys.hpp).
// The receiver checks that `from` is the id of the key that signed the envelope, so the sender's
// identity travels in `from` itself. Version 1 (unsigned, any server id) is refused: "old_version".
// types and their extra members:
//   "presence"   "peers":[PEER_ID...]  the sender's joined peers (one chunk of them); refreshes their TTL
//   "join"       "peers":[PEER_ID...]  peers that just joined the sender
//   "leave"      "peers":[PEER_ID...]  peers that just left the sender
//   "signal"     "to":SERVER,"src":PEER_ID,"dst":PEER_ID,"intent":ID,"answer":BOOL,"payload":OBJECT
//                an ss-handshake for a peer held by server "to"; payload is the client's object, unchanged
//   "unavailable" "to":SERVER and the same members as "signal": "to"'s peer "dst" is not there (any more)
// Content topics: <prefix>/presence/json carries presence, join and leave; <prefix>/signal/json the rest.
// Receivers ignore their own envelopes, duplicates (by id), unknown types and anything invalid.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace star::protocol::federation {

inline constexpr int version = 2;
inline constexpr std::size_t max_envelope_size = 1024 * 1024 + 64 * 1024;  // a 1 MB SDP and its envelope
inline constexpr std::size_t max_peers_per_envelope = 1000;
inline constexpr std::size_t max_server_id_length = 66;  // a federation id

enum class envelope_type { presence, join, leave, signal, unavailable };

struct envelope {
    envelope_type type = envelope_type::presence;
    std::string from;
    std::string id;
    std::int64_t ts = 0;
    std::vector<std::string> peers;  // presence, join, leave
    std::string to;                  // signal, unavailable
    std::string src, dst, intent;
    bool answer = false;
    std::string payload;  // the JSON object's exact text

    bool is_signal() const { return type == envelope_type::signal || type == envelope_type::unavailable; }
};

std::string_view type_name(envelope_type t);
std::string encode(envelope const& e);

struct decode_result {
    std::optional<envelope> value;
    std::string_view error;  // a metric label when value is empty
};
// Validates everything: shape, types, peer ids, sizes.
decode_result decode(std::string_view text);

}  // namespace star::protocol::federation
