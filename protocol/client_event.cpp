#include "protocol/client_event.hpp"

#include "protocol/socketio.hpp"

namespace star::protocol {

std::optional<client_event> parse_client_event(std::string_view data) {
    auto array = json::scan_whole(data);
    if (!array || array->type != json::kind::array) return std::nullopt;
    std::optional<json::value> name;
    std::optional<json::value> arg;
    int index = 0;
    json::for_each_element(*array, [&](json::value const& v) {
        if (index == 0) name = v;
        else arg = v;
        return ++index < 2;
    });
    if (!name || name->type != json::kind::string) return std::nullopt;
    client_event ev{client_event_kind::unknown, arg};
    if (json::key_equals(name->text, "ss-handshake")) ev.kind = client_event_kind::handshake;
    else if (json::key_equals(name->text, "ss-join")) ev.kind = client_event_kind::join;
    else if (json::key_equals(name->text, "ss-leave")) ev.kind = client_event_kind::leave;
    return ev;
}

namespace {

// The peer id key of an address field; read in place unless it has escapes to decode.
std::optional<std::string> address_key(json::value const& v) {
    if (v.type != json::kind::string || v.text.size() > max_star_address_length + 2) return std::nullopt;
    std::string_view inner = v.text.substr(1, v.text.size() - 2);
    if (inner.find('\\') == std::string_view::npos) return star_address_key(inner);
    return star_address_key(json::unescape(v.text));
}

}  // namespace

handshake_result parse_handshake(std::optional<json::value> const& arg) {
    if (!arg || arg->type != json::kind::object) return {std::nullopt, "handshake_not_object"};
    handshake h;
    h.payload = arg->text;
    bool have_src = false, have_dst = false, have_intent = false, have_signal = false;
    std::string_view error;
    json::for_each_member(*arg, [&](std::string_view key, json::value const& v) {
        if (json::key_equals(key, "srcMultiaddr")) {
            auto key = address_key(v);
            if (!key) error = "handshake_bad_src";
            else h.src_key = std::move(*key), have_src = true;
        } else if (json::key_equals(key, "dstMultiaddr")) {
            auto key = address_key(v);
            if (!key) error = "handshake_bad_dst";
            else h.dst_key = std::move(*key), have_dst = true;
        } else if (json::key_equals(key, "intentId")) {
            if (v.type != json::kind::string || v.text.size() < 3 || v.text.size() > max_intent_id_length + 2)
                error = "handshake_bad_intent";
            else h.intent_id = json::unescape(v.text), have_intent = true;
        } else if (json::key_equals(key, "signal")) {
            if (v.type != json::kind::object) error = "handshake_bad_signal";
            else have_signal = true, h.negotiation = is_session_description(v);
        } else if (json::key_equals(key, "answer")) {
            if (v.type != json::kind::boolean) error = "handshake_bad_answer";
            else h.answer = v.text == "true";
        }
        return error.empty();
    });
    if (!error.empty()) return {std::nullopt, error};
    if (!have_src || !have_dst || !have_intent || !have_signal) return {std::nullopt, "handshake_missing_field"};
    return {std::move(h), {}};
}

bool is_session_description(json::value const& signal) {
    bool found = false;
    json::for_each_member(signal, [&](std::string_view key, json::value const& v) {
        // Every member is looked at: the last "type" wins, as in the recipient's JSON.parse.
        if (json::key_equals(key, "type"))
            found = v.type == json::kind::string &&
                    (json::key_equals(v.text, "offer") || json::key_equals(v.text, "answer"));
        return true;
    });
    return found;
}

handshake_result parse_handshake_text(std::string_view payload, std::size_t max_size) {
    if (payload.size() > max_size) return {std::nullopt, "too_big"};
    return parse_handshake(json::scan_whole(payload));
}

ws_handshake_frame_text ws_handshake_frame(std::string_view payload) {
    ws_handshake_frame_text frame{socketio::event_frame("ws-handshake", payload), 0, payload.size()};
    // event_frame puts the argument last, before the array's closing bracket.
    frame.payload_offset = frame.text.size() - 1 - payload.size();
    return frame;
}

std::string ws_handshake_error_frame(std::string_view payload, std::string_view err) {
    // The payload is a validated object: "err" goes in as its last member, which wins over any
    // "err" the sender put there itself when the recipient parses it.
    std::string_view members = json::detail::skip_ws(payload.substr(1));
    members.remove_suffix(1);  // the closing brace
    while (!members.empty() &&
           (members.back() == ' ' || members.back() == '\n' || members.back() == '\r' || members.back() == '\t'))
        members.remove_suffix(1);
    std::string object = "{";
    object += members;
    if (!members.empty()) object += ',';
    object += "\"err\":";
    json::append_quoted(object, err);
    object += '}';
    return socketio::event_frame("ws-handshake", object);
}

std::string ws_peer_frame(std::string_view address) {
    // The hottest frame there is (every refresh sends K of them): built in one allocation.
    std::string out;
    out.reserve(address.size() + 16);
    out += "42[\"ws-peer\",";
    json::append_quoted(out, address);
    out += ']';
    return out;
}

std::string error_event_frame(std::string_view message) {
    std::string quoted;
    json::append_quoted(quoted, message);
    return socketio::event_frame("error", quoted);
}

std::string join_refusal_frame(std::optional<std::uint64_t> ack_id, std::string_view message) {
    if (!ack_id) return error_event_frame(message);
    std::string args = "[";
    json::append_quoted(args, message);
    args += ']';
    return socketio::ack_frame(*ack_id, args);
}

}  // namespace star::protocol
