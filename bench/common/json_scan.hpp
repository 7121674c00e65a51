#pragma once
// Allocation-free lookups in JSON text the bench (or the floor server) is
// relaying. Not a parser: it finds `"key": value` pairs by scanning and relies
// on the values it cares about never containing an unescaped quote. Good
// enough for messages whose shape we generate ourselves; never used to judge
// a server's correctness beyond "did the expected field come back".

#include <optional>
#include <string_view>

namespace webrtc_star::scan {

// Value of the first `"key":"..."` string field; the view points into `json`
// and keeps escape sequences as they are.
std::optional<std::string_view> string_field(std::string_view json, std::string_view key);

// Value of the first `"key":true|false` field.
std::optional<bool> bool_field(std::string_view json, std::string_view key);

// True when `"key":` occurs as a key (any value).
bool has_field(std::string_view json, std::string_view key);

// Peer id at the end of a multiaddr: the text after the last "/p2p/".
std::string_view peer_id_of(std::string_view multiaddr);

}  // namespace webrtc_star::scan
