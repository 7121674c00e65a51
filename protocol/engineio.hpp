// Engine.IO protocol, versions 3 and 4, as spoken over the WebSocket transport.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace star::protocol::engineio {

enum class version { v3 = 3, v4 = 4 };

enum class packet_type : char {
    open = '0',
    close = '1',
    ping = '2',
    pong = '3',
    message = '4',
    upgrade = '5',
    noop = '6',
};

struct packet {
    packet_type type;
    std::string_view data;  // what follows the type character
};

// Parses one text frame. Returns nullopt for an empty frame or an unknown type.
std::optional<packet> parse(std::string_view frame);

// The handshake errors an engine.io server answers with HTTP 400, with their standard codes.
enum class handshake_error {
    unknown_transport = 0,
    unknown_sid = 1,
    bad_handshake_method = 2,
    bad_request = 3,
    forbidden = 4,
    unsupported_protocol_version = 5,
};

std::string_view message_of(handshake_error e);

// The JSON body engine.io sends with a handshake error: {"code":N,"message":"..."}.
std::string error_body(handshake_error e);

struct handshake_request {
    std::string_view method;       // HTTP method
    std::string_view query;        // the URL's query string, without '?'
    bool is_websocket_upgrade;
};

struct handshake_ok {
    version protocol;
};

// Decides whether a request to the Engine.IO path may open a WebSocket session.
// Only the WebSocket transport is served, so any sid is unknown.
struct handshake_result {
    std::optional<handshake_ok> ok;
    handshake_error error = handshake_error::bad_request;
};
handshake_result check_handshake(handshake_request const& req);

struct open_settings {
    std::string sid;
    std::chrono::milliseconds ping_interval;
    std::chrono::milliseconds ping_timeout;
    std::size_t max_payload;
};

// The open packet, e.g. 0{"sid":"..","upgrades":[],"pingInterval":25000,"pingTimeout":20000,...}.
std::string open_packet(version v, open_settings const& s);

// Returns the value of `key` in an URL query string, percent-decoded, or nullopt.
std::optional<std::string> query_param(std::string_view query, std::string_view key);

}  // namespace star::protocol::engineio
