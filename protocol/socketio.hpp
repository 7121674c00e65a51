// Socket.IO packets: protocol v5 (socket.io-client v3/v4) and the v4 format of
// socket.io-client v2. Only the default namespace "/" is served.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace star::protocol::socketio {

enum class packet_type : char {
    connect = '0',
    disconnect = '1',
    event = '2',
    ack = '3',
    connect_error = '4',
    binary_event = '5',
    binary_ack = '6',
};

struct packet {
    packet_type type;
    std::string_view nsp = "/";
    std::optional<std::uint64_t> ack_id;
    std::string_view data;  // JSON text, may be empty
    bool binary() const { return type == packet_type::binary_event || type == packet_type::binary_ack; }
};

// Parses the payload of an Engine.IO message packet. Returns nullopt when malformed.
std::optional<packet> parse(std::string_view text);

// Why socket.io's parser would refuse `p` (which then closes the connection), or an empty
// view for a well-formed packet: the data must be JSON of the shape its type allows (an EVENT
// an array that starts with a number or a non-reserved event name, an ACK an array, a
// CONNECT nothing or an object, a DISCONNECT nothing). Nesting is no reason: JSON.parse takes
// any depth, and so does the scanner.
std::string_view invalid_reason(packet const& p);

// Whether the client speaks the protocol of socket.io-client v2 (Engine.IO 3).
enum class dialect { v4_format, v5 };

// Complete Engine.IO message frames ("4" + Socket.IO packet), ready to send.
std::string connect_frame(dialect d, std::string_view sid);
// CONNECT_ERROR is {"message":...} in both dialects, as socket.io 4 sends it (the dialect is
// kept in the signature for callers that pass it everywhere).
std::string connect_error_frame(dialect d, std::string_view nsp, std::string_view message);
// `arg_json` must be valid JSON text.
std::string event_frame(std::string_view event, std::string_view arg_json);
std::string ack_frame(std::uint64_t id, std::string_view args_array_json);

}  // namespace star::protocol::socketio
