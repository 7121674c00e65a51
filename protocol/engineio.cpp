#include "protocol/engineio.hpp"

#include "protocol/json_scan.hpp"

namespace star::protocol::engineio {

std::optional<packet> parse(std::string_view frame) {
    if (frame.empty()) return std::nullopt;
    char t = frame.front();
    if (t < '0' || t > '6') return std::nullopt;
    return packet{static_cast<packet_type>(t), frame.substr(1)};
}

std::string_view message_of(handshake_error e) {
    switch (e) {
        case handshake_error::unknown_transport: return "Transport unknown";
        case handshake_error::unknown_sid: return "Session ID unknown";
        case handshake_error::bad_handshake_method: return "Bad handshake method";
        case handshake_error::bad_request: return "Bad request";
        case handshake_error::forbidden: return "Forbidden";
        case handshake_error::unsupported_protocol_version: return "Unsupported protocol version";
    }
    return "Bad request";
}

std::string error_body(handshake_error e) {
    std::string out = "{\"code\":";
    out += std::to_string(static_cast<int>(e));
    out += ",\"message\":";
    json::append_quoted(out, message_of(e));
    out += '}';
    return out;
}

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() + 0 && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else if (s[i] == '+') {
            out += ' ';
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

std::optional<std::string> query_param(std::string_view query, std::string_view key) {
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        auto eq = pair.find('=');
        std::string_view k = pair.substr(0, eq);
        if (k == key) {
            return eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1));
        }
    }
    return std::nullopt;
}

handshake_result check_handshake(handshake_request const& req) {
    // The order of checks follows engine.io's own, so clients see the same error first.
    auto transport = query_param(req.query, "transport");
    if (!transport || *transport != "websocket") return {std::nullopt, handshake_error::unknown_transport};
    if (query_param(req.query, "sid")) return {std::nullopt, handshake_error::unknown_sid};
    if (req.method != "GET") return {std::nullopt, handshake_error::bad_handshake_method};
    if (!req.is_websocket_upgrade) return {std::nullopt, handshake_error::bad_request};
    auto eio = query_param(req.query, "EIO");
    if (eio && *eio == "4") return {handshake_ok{version::v4}, {}};
    if (eio && *eio == "3") return {handshake_ok{version::v3}, {}};
    return {std::nullopt, handshake_error::unsupported_protocol_version};
}

std::string open_packet(version v, open_settings const& s) {
    std::string out = "0{\"sid\":";
    json::append_quoted(out, s.sid);
    out += ",\"upgrades\":[],\"pingInterval\":";
    out += std::to_string(s.ping_interval.count());
    out += ",\"pingTimeout\":";
    out += std::to_string(s.ping_timeout.count());
    if (v == version::v4) {
        out += ",\"maxPayload\":";
        out += std::to_string(s.max_payload);
    }
    out += '}';
    return out;
}

}  // namespace star::protocol::engineio
