// Everything a client can put in a WebSocket text frame or a long-polling POST, through every
// parser it reaches: polling payloads (both framings), Engine.IO, Socket.IO and its validity
// rules, the event array, ss-join addresses and ss-handshake objects.
#include "protocol/client_event.hpp"
#include "protocol/engineio.hpp"
#include "protocol/socketio.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    using namespace star::protocol;
    std::string_view text(reinterpret_cast<char const*>(data), size);
    engineio::check_handshake({"GET", text, true, true});
    for (auto v : {engineio::version::v3, engineio::version::v4}) {
        if (auto packets = engineio::decode_payload(v, text)) {
            std::string again;
            for (auto p : *packets) engineio::append_to_payload(again, v, p);
            if (engineio::decode_payload(v, again)->size() != packets->size()) __builtin_trap();  // round trip
        }
    }
    auto eio = engineio::parse(text);
    if (!eio || eio->type != engineio::packet_type::message) return 0;
    auto sio = socketio::parse(eio->data);
    if (!sio) return 0;
    socketio::invalid_reason(*sio);
    auto event = parse_client_event(sio->data);
    if (!event || !event->arg) return 0;
    if (event->arg->type == json::kind::string) {
        auto address = parse_star_address(json::unescape(event->arg->text));
        if (address.address) {
            auto again = parse_star_address(address_for(*address.address, address.address->peer_id));
            if (!again.address) __builtin_trap();  // what we announce must parse again
        }
    }
    auto h = parse_handshake(event->arg);
    if (h.value) {
        auto reply = ws_handshake_error_frame(h.value->payload, "peer is not available");
        auto back = parse_client_event(std::string_view(reply).substr(2));
        if (!back) __builtin_trap();  // what we send must be valid JSON
    }
    return 0;
}
