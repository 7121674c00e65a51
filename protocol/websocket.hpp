// RFC 6455, the server's side: the opening handshake's accept key, a reader that turns a
// client's byte stream into messages, and headers for the frames the server writes.
// Pure: bytes in, events out; the transport does the I/O. No extensions are negotiated.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace star::protocol::websocket {

enum class opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t too_big = 1009;
// True for a code a client may send in a close frame (RFC 6455 7.4, and the IANA registry):
// 1000-1003, 1007-1014, 3000-4999. 1004-1006 and 1015 are reserved, the rest unassigned.
bool valid_from_peer(std::uint16_t code);
}  // namespace close_code

// True for a Sec-WebSocket-Key: base64 of 16 bytes.
bool valid_client_key(std::string_view key);
// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key.
std::string accept_key(std::string_view client_key);

inline constexpr std::size_t max_header_size = 10;
// Writes the header of an unmasked server frame (FIN set) into `out`; returns its size.
std::size_t encode_header(opcode op, std::uint64_t payload_size, std::uint8_t* out);
// A close frame's payload: the code, big-endian.
std::string close_payload(std::uint16_t code);

// Text messages laid out as the server's frames, back to back (a refresh's 50 announcements):
// a WebSocket writes them as they are, one buffer however many; a transport that frames
// messages otherwise (long-polling) walks them with for_each_text_frame.
void append_text_frame(std::string& frames, std::string_view message);
// Calls `f(message)` for each frame of `frames`, as append_text_frame laid them out.
template <class F> void for_each_text_frame(std::string_view frames, F&& f);

// Reassembles a client's frames into messages, unmasking and checking them as RFC 6455
// requires of a server: masked frames, no reserved bits, control frames short and whole,
// continuations only inside a fragmented message, text valid UTF-8, messages within `max`.
class reader {
public:
    enum class kind { none, text, binary, ping, pong, close, error };
    struct event {
        kind type = kind::none;
        std::string_view payload;  // valid until the next call to feed() or next()
        std::uint16_t code = 0;    // close: the client's code; error: the code to close with
    };

    explicit reader(std::size_t max_message) : max_message_(max_message) {}

    void feed(std::string_view bytes);
    // The next complete event, or kind::none when more bytes are needed. After kind::error
    // the stream is unusable.
    event next();

    // Frees buffers when nothing is pending (an idle connection keeps no memory).
    void release_idle();
    std::size_t buffered() const { return buffer_.size() - offset_ + message_.size(); }
    // Memory held for this client: the buffers' capacity, what the memory budget counts.
    std::size_t held() const { return buffer_.capacity() + message_.capacity(); }
    // The size of the message being received (what has arrived of it, or the length its
    // frame header announces if that is known), 0 when none is under way.
    std::size_t pending_message_size() const;

private:
    event fail(std::uint16_t code);

    std::size_t max_message_;
    std::string buffer_;  // received, not yet consumed
    std::size_t offset_ = 0;
    std::string message_;  // a fragmented message being assembled
    bool in_message_ = false;
    opcode message_op_ = opcode::text;
    bool failed_ = false;
};

template <class F> void for_each_text_frame(std::string_view frames, F&& f) {
    while (frames.size() >= 2) {
        auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(frames[i]); };
        std::size_t header = 2;
        std::uint64_t size = byte(1) & 0x7F;
        if (size == 126) {
            header = 4;
            size = (std::uint64_t{byte(2)} << 8) | byte(3);
        } else if (size == 127) {
            header = 10;
            size = 0;
            for (std::size_t i = 2; i < 10; ++i) size = (size << 8) | byte(i);
        }
        if (frames.size() < header || frames.size() - header < size) return;  // not as laid out here
        f(frames.substr(header, size));
        frames.remove_prefix(header + size);
    }
}

}  // namespace star::protocol::websocket
