// The events a webrtc-star client sends, validated before anything acts on them.
#pragma once

#include "protocol/json_scan.hpp"
#include "protocol/star_address.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace star::protocol {

inline constexpr std::size_t max_intent_id_length = 256;

enum class client_event_kind { join, leave, handshake, unknown };

struct client_event {
    client_event_kind kind;
    std::optional<json::value> arg;  // the first argument, if any
};

// Parses Socket.IO EVENT data: a JSON array whose first element is the event name.
// Returns nullopt if it is not valid JSON of that shape.
std::optional<client_event> parse_client_event(std::string_view data);

struct handshake {
    std::string_view payload;  // the object's exact JSON text, forwarded unchanged
    std::string src_key;       // canonical peer ids (star_address::key) of srcMultiaddr and dstMultiaddr
    std::string dst_key;
    std::string intent_id;
    bool answer = false;
    bool negotiation = false;  // signal is an SDP offer or answer (is_session_description)
};

// True if a handshake's `signal` (a validated object) is an SDP offer or answer, simple-peer's
// {"type":"offer"|"answer","sdp":...}; false for trickled candidates ({"type":"candidate",...}
// or an untyped {"candidate":...}) and anything else (renegotiate, transceiverRequest). The
// receiver's limit lets these through ahead of candidates (server/signalling/receiver_share).
// No copy, nothing decoded.
bool is_session_description(json::value const& signal);

struct handshake_result {
    std::optional<handshake> value;
    std::string_view error;  // a short reason, also the metric label
};

// Validates an `ss-handshake` argument: {srcMultiaddr, dstMultiaddr, intentId, signal, answer?}.
// `signal` must be an object (clients dereference signal.type unconditionally).
handshake_result parse_handshake(std::optional<json::value> const& arg);

// The same for a handshake object that arrives as text (from another server): it must be JSON
// as a whole, at most `max_size` bytes (else "too_big"), and pass parse_handshake.
handshake_result parse_handshake_text(std::string_view payload, std::size_t max_size);

// The frame that carries a handshake to its recipient, 42["ws-handshake",<payload>], and where
// its payload sits in it: read back from there (to forward it to another server, to answer
// "peer is not available"), never by knowing the prefix.
struct ws_handshake_frame_text {
    std::string text;
    std::size_t payload_offset = 0;
    std::size_t payload_size = 0;
};
ws_handshake_frame_text ws_handshake_frame(std::string_view payload);

// The same with "err" set, for the sender when the recipient is gone.
std::string ws_handshake_error_frame(std::string_view payload, std::string_view err);

std::string ws_peer_frame(std::string_view address);
std::string error_event_frame(std::string_view message);

// What a refused ss-join is told: the ack's one argument when the client asked for one, else
// an "error" event. The one place both the transport (bad address) and the hub (id taken) use.
std::string join_refusal_frame(std::optional<std::uint64_t> ack_id, std::string_view message);

}  // namespace star::protocol
