// The events a webrtc-star client sends, validated before anything acts on them.
#pragma once

#include "protocol/json_scan.hpp"
#include "protocol/star_address.hpp"

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
    star_address src;
    star_address dst;
    std::string intent_id;
    bool answer = false;
};

struct handshake_result {
    std::optional<handshake> value;
    std::string_view error;  // a short reason, also the metric label
};

// Validates an `ss-handshake` argument: {srcMultiaddr, dstMultiaddr, intentId, signal, answer?}.
// `signal` must be an object (clients dereference signal.type unconditionally).
handshake_result parse_handshake(std::optional<json::value> const& arg);

// The frame that carries a handshake to its recipient: 42["ws-handshake",<payload>].
std::string ws_handshake_frame(std::string_view payload);

// The payload inside a frame made by ws_handshake_frame.
std::string_view ws_handshake_payload(std::string_view frame);

// The same with "err" set, for the sender when the recipient is gone.
std::string ws_handshake_error_frame(std::string_view payload, std::string_view err);

std::string ws_peer_frame(std::string_view address);
std::string error_event_frame(std::string_view message);

}  // namespace star::protocol
