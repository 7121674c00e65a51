#include "protocol/socketio.hpp"

#include "protocol/json_scan.hpp"

namespace star::protocol::socketio {

std::optional<packet> parse(std::string_view text) {
    if (text.empty() || text.front() < '0' || text.front() > '6') return std::nullopt;
    packet p{static_cast<packet_type>(text.front()), "/", std::nullopt, {}};
    std::size_t i = 1;
    if (p.binary()) {
        // "<n>-" attachment count; the packet is refused anyway, but parse it honestly.
        std::size_t start = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
        if (i == start || i >= text.size() || text[i] != '-') return std::nullopt;
        ++i;
    }
    if (i < text.size() && text[i] == '/') {
        auto comma = text.find(',', i);
        if (comma == std::string_view::npos) {
            p.nsp = text.substr(i);
            i = text.size();
        } else {
            p.nsp = text.substr(i, comma - i);
            i = comma + 1;
        }
        // socket.io-client v2 may append a query to the namespace: "/nsp?x=y".
        p.nsp = p.nsp.substr(0, p.nsp.find('?'));
    }
    if (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        std::uint64_t id = 0;
        std::size_t digits = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            if (++digits > 15) return std::nullopt;  // stays exact as a JavaScript number
            id = id * 10 + static_cast<std::uint64_t>(text[i] - '0');
            ++i;
        }
        p.ack_id = id;
    }
    p.data = text.substr(i);
    return p;
}

namespace {

bool reserved_event(json::value const& name) {
    for (auto r : {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"})
        if (json::key_equals(name.text, r)) return true;
    return false;
}

bool valid_event_array(json::value const& v) {
    if (v.type != json::kind::array) return false;
    bool ok = false;
    json::for_each_element(v, [&](json::value const& first) {
        ok = first.type == json::kind::number || (first.type == json::kind::string && !reserved_event(first));
        return false;
    });
    return ok;
}

}  // namespace

std::string_view invalid_reason(packet const& p) {
    std::optional<json::value> data;
    if (!p.data.empty()) {
        data = json::scan_whole(p.data);
        if (!data) return "bad_payload";
    }
    switch (p.type) {
        case packet_type::connect:
            return !data || data->type == json::kind::object ? std::string_view{} : "bad_payload";
        case packet_type::disconnect:
            return data ? "bad_payload" : std::string_view{};
        case packet_type::connect_error:
            return data && (data->type == json::kind::object || data->type == json::kind::string) ? std::string_view{}
                                                                                                  : "bad_payload";
        case packet_type::event:
        case packet_type::binary_event:
            return data && valid_event_array(*data) ? std::string_view{} : "bad_payload";
        case packet_type::ack:
        case packet_type::binary_ack:
            return data && data->type == json::kind::array ? std::string_view{} : "bad_payload";
    }
    return "bad_socketio_packet";
}

std::string connect_frame(dialect d, std::string_view sid) {
    if (d == dialect::v4_format) return "40";
    std::string out = "40{\"sid\":";
    json::append_quoted(out, sid);
    out += '}';
    return out;
}

std::string connect_error_frame(dialect, std::string_view nsp, std::string_view message) {
    // socket.io 4 sends the same object to v2 clients (allowEIO3): their `error` event gets it.
    std::string out = "44";
    if (nsp != "/") {
        out += nsp;
        out += ',';
    }
    out += "{\"message\":";
    json::append_quoted(out, message);
    out += '}';
    return out;
}

std::string event_frame(std::string_view event, std::string_view arg_json) {
    std::string out;
    out.reserve(event.size() + arg_json.size() + 8);
    out += "42[";
    json::append_quoted(out, event);
    out += ',';
    out += arg_json;
    out += ']';
    return out;
}

std::string ack_frame(std::uint64_t id, std::string_view args_array_json) {
    std::string out = "43";
    out += std::to_string(id);
    out += args_array_json;
    return out;
}

}  // namespace star::protocol::socketio
