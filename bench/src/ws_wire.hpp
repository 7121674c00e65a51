#pragma once
// RFC 6455 from the client's side, as bytes in and bytes out: the upgrade
// request and the check of its response, masked frames to send, and a reader
// for the server's (unmasked) frames. No I/O; the client does that.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/websocket.hpp"

namespace webrtc_star::bench::ws_wire {

using opcode = star::protocol::websocket::opcode;

inline constexpr std::size_t default_max_message = 4 * 1024 * 1024;
inline constexpr std::size_t max_upgrade_response = 8 * 1024;

// --- Opening handshake ---

// Sec-WebSocket-Key: base64 of 16 (random) bytes, always 24 characters.
std::string make_key(std::uint64_t a, std::uint64_t b);
void append_upgrade_request(std::string& out, std::string_view host, std::string_view target, std::string_view key);

enum class upgrade_status { need_more, ok, error };

struct upgrade_result {
    upgrade_status status = upgrade_status::need_more;
    std::size_t header_size = 0;  // ok: bytes of the response head; what follows are frames
    std::string error;            // error: why, for a person
};

// Checks the server's response to a request made with `key`, once the whole
// head (up to "\r\n\r\n") is in `received`: status 101, Upgrade: websocket,
// Connection: upgrade and the Sec-WebSocket-Accept that `key` calls for. A head
// longer than `max_upgrade_response` is an error.
upgrade_result check_upgrade_response(std::string_view received, std::string_view key);

// --- Frames we send ---

// Appends one client frame (FIN set, payload masked with `mask`) to `out`.
void append_frame(std::string& out, opcode op, std::string_view payload, std::uint32_t mask);
// Size of the masked frame that `bytes` starts with (one append_frame wrote),
// 0 when its header is incomplete.
std::size_t masked_frame_size(std::string_view bytes);

// --- Frames the server sends ---

struct frame {
    opcode op = opcode::text;
    bool fin = true;
    std::string_view payload;
};

enum class parse_status { done, need_more, error };

struct parse_result {
    parse_status status = parse_status::need_more;
    frame f;               // done: the frame, its payload a view into the input
    std::size_t size = 0;  // done: bytes the frame takes
    char const* error = nullptr;
};

// One server frame from the front of `bytes`. Errors: a masked frame, reserved
// bits or opcodes, a fragmented or over-long (> 125 bytes) control frame, a
// payload over `max_payload`.
parse_result parse_frame(std::string_view bytes, std::size_t max_payload);

// Turns the server's frames into messages and control frames, joining a
// fragmented message's parts.
class reader {
public:
    enum class result { message, need_more, error };
    struct message {
        opcode op = opcode::text;  // text, binary, ping, pong or close
        std::string_view payload;  // valid until the next call, and while the input lives
    };

    explicit reader(std::size_t max_message = default_max_message) : max_message_(max_message) {}

    // Takes the next message off the front of `bytes`. need_more: `bytes`
    // holds at most a partial frame; call again with it and more appended.
    // After an error the stream is unusable; error() says why.
    result next(std::string_view& bytes, message& out);
    char const* error() const { return error_; }

private:
    result fail(char const* why);

    std::size_t max_message_;
    std::string fragments_;  // parts of a fragmented message so far
    char const* error_ = nullptr;
    opcode fragmented_op_ = opcode::text;
    bool in_fragmented_ = false;
    bool delivered_fragments_ = false;
};

}  // namespace webrtc_star::bench::ws_wire
