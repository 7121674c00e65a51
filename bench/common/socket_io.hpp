#pragma once
// The slice of Engine.IO v4 / Socket.IO v5 framing (one packet per WebSocket
// text frame) that the bench and the floor server need.

#include <string_view>

namespace webrtc_star::sio {

enum class packet_kind {
    eio_open,        // 0{...}
    eio_close,       // 1
    eio_ping,        // 2
    eio_pong,        // 3
    sio_connect,     // 40{...}
    sio_disconnect,  // 41
    sio_event,       // 42[...]
    sio_error,       // 44{...}
    other
};

packet_kind classify(std::string_view frame);

// `42["name",payload]` split into its name and the raw payload text (the
// second array element and anything after it, without the closing bracket).
struct event {
    std::string_view name;
    std::string_view payload;
};

// False when the frame is not a well-formed event; an ack id and the
// default namespace are accepted, other namespaces are not.
bool parse_event(std::string_view frame, event& out);

}  // namespace webrtc_star::sio
