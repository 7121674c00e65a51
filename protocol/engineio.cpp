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
        case handshake_error::unknown_transport:
            return "Transport unknown";
        case handshake_error::unknown_sid:
            return "Session ID unknown";
        case handshake_error::bad_handshake_method:
            return "Bad handshake method";
        case handshake_error::bad_request:
            return "Bad request";
        case handshake_error::forbidden:
            return "Forbidden";
        case handshake_error::unsupported_protocol_version:
            return "Unsupported protocol version";
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
    auto name = query_param(req.query, "transport");
    std::optional<transport> kind;
    if (name && *name == "websocket") kind = transport::websocket;
    if (name && *name == "polling" && req.polling_enabled) kind = transport::polling;
    if (!kind) return {std::nullopt, handshake_error::unknown_transport};
    auto eio = query_param(req.query, "EIO");
    auto v = eio && *eio == "3" ? version::v3 : version::v4;
    if (auto sid = query_param(req.query, "sid")) return {handshake_ok{v, *kind, std::move(sid)}, {}};
    if (req.method != "GET") return {std::nullopt, handshake_error::bad_handshake_method};
    if (*kind == transport::websocket && !req.is_websocket_upgrade) return {std::nullopt, handshake_error::bad_request};
    if (!eio || (*eio != "3" && *eio != "4")) return {std::nullopt, handshake_error::unsupported_protocol_version};
    return {handshake_ok{v, *kind, std::nullopt}, {}};
}

std::string open_packet(version, open_settings const& s, bool offer_websocket) {
    std::string out = "0{\"sid\":";
    json::append_quoted(out, s.sid);
    out += offer_websocket ? ",\"upgrades\":[\"websocket\"],\"pingInterval\":" : ",\"upgrades\":[],\"pingInterval\":";
    out += std::to_string(s.ping_interval.count());
    out += ",\"pingTimeout\":";
    out += std::to_string(s.ping_timeout.count());
    out += ",\"maxPayload\":";
    out += std::to_string(s.max_payload);
    out += '}';
    return out;
}

std::optional<std::size_t> utf16_length(std::string_view utf8) {
    std::size_t units = 0;
    for (std::size_t i = 0; i < utf8.size();) {
        auto c = static_cast<unsigned char>(utf8[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || i + n > utf8.size()) return std::nullopt;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(utf8[i + k]) & 0xC0) != 0x80) return std::nullopt;
        units += n == 4 ? 2 : 1;  // beyond the BMP: a surrogate pair
        i += n;
    }
    return units;
}

void append_to_payload(std::string& payload, version v, std::string_view packet) {
    if (v == version::v4) {
        if (!payload.empty()) payload += '\x1e';
    } else {
        // Our packets are valid UTF-8 (the JSON scanner and our own formatting see to it).
        payload += std::to_string(utf16_length(packet).value_or(packet.size()));
        payload += ':';
    }
    payload += packet;
}

namespace {

// Splits off the first `units` UTF-16 code units of `text`; nullopt when it is shorter or
// the cut would fall inside a character.
std::optional<std::string_view> take_utf16_units(std::string_view text, std::size_t units) {
    std::size_t i = 0;
    while (units > 0) {
        if (i >= text.size()) return std::nullopt;
        auto c = static_cast<unsigned char>(text[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        std::size_t u = n == 4 ? 2 : 1;
        if (n == 0 || i + n > text.size() || u > units) return std::nullopt;
        i += n;
        units -= u;
    }
    return text.substr(0, i);
}

std::optional<std::vector<std::string_view>> decode_v3(std::string_view payload) {
    std::vector<std::string_view> out;
    while (!payload.empty()) {
        auto colon = payload.find(':');
        if (colon == 0 || colon == std::string_view::npos || colon > 10) return std::nullopt;
        std::size_t units = 0;
        for (char c : payload.substr(0, colon)) {
            if (c < '0' || c > '9') return std::nullopt;
            units = units * 10 + static_cast<std::size_t>(c - '0');
        }
        auto packet = take_utf16_units(payload.substr(colon + 1), units);
        if (!packet || !utf16_length(*packet)) return std::nullopt;
        if (!packet->empty()) {
            if (!parse(*packet)) return std::nullopt;
            out.push_back(*packet);
        }
        payload.remove_prefix(colon + 1 + packet->size());
    }
    return out;
}

}  // namespace

std::optional<std::vector<std::string_view>> decode_payload(version v, std::string_view payload) {
    if (v == version::v3) return decode_v3(payload);
    std::vector<std::string_view> out;
    for (;;) {
        auto sep = payload.find('\x1e');
        auto packet = payload.substr(0, sep);
        if (!parse(packet)) return std::nullopt;  // includes "b..." (binary) and empty records
        out.push_back(packet);
        if (sep == std::string_view::npos) return out;
        payload.remove_prefix(sep + 1);
    }
}

}  // namespace star::protocol::engineio
