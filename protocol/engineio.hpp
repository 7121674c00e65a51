// Engine.IO protocol, versions 3 and 4: packets, the handshake's checks and errors, and the
// HTTP long-polling payloads.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

enum class transport { polling, websocket };

struct handshake_request {
    std::string_view method;  // HTTP method
    std::string_view query;   // the URL's query string, without '?'
    bool is_websocket_upgrade;
    bool polling_enabled = false;  // --transports: whether HTTP long-polling is served
};

struct handshake_ok {
    version protocol;  // for a request with a sid: the session's version decides
    transport kind;
    std::optional<std::string> sid;  // set: a request for an existing session (the caller looks it up)
};

// The checks engine.io's verify() and handshake() make, in their order, so that clients see
// the same error first. A request with a sid passes here; the caller answers unknown_sid.
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

// The open packet, e.g. 0{"sid":"..","upgrades":[],"pingInterval":25000,"pingTimeout":20000,
// "maxPayload":1000000}: the same fields for both versions, as engine.io 6 sends them.
// `offer_websocket`: a polling session is told it may upgrade.
std::string open_packet(version v, open_settings const& s, bool offer_websocket = false);

// HTTP long-polling payloads. Version 4 separates packets with \x1e; version 3 prefixes each
// with its length in UTF-16 code units and ':' ("6:4hello"). Only text packets are carried.
void append_to_payload(std::string& payload, version v, std::string_view packet);

// The packets of a POSTed payload, or nullopt when it is malformed (engine.io closes the
// session then). A binary packet (a "b" record) is malformed here: no binary is accepted.
std::optional<std::vector<std::string_view>> decode_payload(version v, std::string_view payload);

// The length of UTF-8 text in UTF-16 code units (what JavaScript's String.length counts), or
// nullopt for invalid UTF-8.
std::optional<std::size_t> utf16_length(std::string_view utf8);

// Returns the value of `key` in an URL query string, percent-decoded, or nullopt.
std::optional<std::string> query_param(std::string_view query, std::string_view key);

}  // namespace star::protocol::engineio
