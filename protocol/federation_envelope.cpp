#include "protocol/federation_envelope.hpp"

#include "protocol/json_scan.hpp"
#include "protocol/peer_id.hpp"

#include <charconv>

namespace star::protocol::federation {
namespace {

constexpr std::string_view type_names[] = {"presence", "join", "leave", "signal", "unavailable"};

void member(std::string& out, std::string_view key, std::string_view value) {
    out += ',';
    json::append_quoted(out, key);
    out += ':';
    json::append_quoted(out, value);
}

bool valid_server_id(std::string_view s) {
    if (s.empty() || s.size() > max_server_id_length) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    return true;
}

}  // namespace

std::string_view type_name(envelope_type t) { return type_names[static_cast<int>(t)]; }

std::string encode(envelope const& e) {
    std::string out = "{\"v\":" + std::to_string(version);
    member(out, "type", type_name(e.type));
    member(out, "from", e.from);
    member(out, "id", e.id);
    out += ",\"ts\":" + std::to_string(e.ts);
    if (e.is_signal()) {
        member(out, "to", e.to);
        member(out, "src", e.src);
        member(out, "dst", e.dst);
        member(out, "intent", e.intent);
        out += e.answer ? ",\"answer\":true" : ",\"answer\":false";
        out += ",\"payload\":";
        out += e.payload;
    } else {
        out += ",\"peers\":[";
        for (std::size_t i = 0; i < e.peers.size(); ++i) {
            if (i) out += ',';
            json::append_quoted(out, e.peers[i]);
        }
        out += ']';
    }
    out += '}';
    return out;
}

decode_result decode(std::string_view text) {
    if (text.size() > max_envelope_size) return {std::nullopt, "too_large"};
    // It came from another server, not through a UTF-8-checked WebSocket: what we forward into
    // clients' text frames must be valid UTF-8, or browsers drop their connection.
    if (!json::valid_utf8(text)) return {std::nullopt, "bad_utf8"};
    auto root = json::scan_whole(text, 16);
    if (!root || root->type != json::kind::object) return {std::nullopt, "not_json_object"};
    envelope e;
    bool have_v = false, have_type = false, have_payload = false, have_peers = false;
    std::string_view error;
    // Limits apply to the decoded value, so an envelope encodes again within them.
    auto string_of = [&](json::value const& v, std::string& out, std::size_t max) {
        if (v.type != json::kind::string || v.text.size() > 6 * max + 2) return false;
        out = json::unescape(v.text);
        return out.size() <= max;
    };
    json::for_each_member(*root, [&](std::string_view key, json::value const& v) {
        auto k = json::unescape(key);
        if (k == "v") {
            have_v = v.text == std::to_string(version);
            if (!have_v) error = v.text == "1" ? "old_version" : "unsupported_version";
        } else if (k == "type") {
            std::string t;
            if (!string_of(v, t, 16)) error = "bad_type";
            for (int i = 0; i < 5; ++i)
                if (t == type_names[i]) e.type = static_cast<envelope_type>(i), have_type = true;
            if (!have_type && error.empty()) error = "unknown_type";
        } else if (k == "from" || k == "to") {
            std::string& out = k == "from" ? e.from : e.to;
            if (!string_of(v, out, max_server_id_length) || !valid_server_id(out)) error = "bad_server_id";
        } else if (k == "id") {
            if (!string_of(v, e.id, 64) || e.id.empty()) error = "bad_id";
        } else if (k == "ts") {
            auto [p, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), e.ts);
            if (v.type != json::kind::number || ec != std::errc{} || p != v.text.data() + v.text.size())
                error = "bad_ts";
        } else if (k == "src" || k == "dst") {
            std::string& out = k == "src" ? e.src : e.dst;
            if (!string_of(v, out, 128) || !peer_id_key(out)) error = "bad_peer_id";
        } else if (k == "intent") {
            if (!string_of(v, e.intent, 256) || e.intent.empty()) error = "bad_intent";
        } else if (k == "answer") {
            if (v.type != json::kind::boolean) error = "bad_answer";
            e.answer = v.text == "true";
        } else if (k == "payload") {
            if (v.type != json::kind::object) error = "bad_payload";
            e.payload = std::string(v.text);
            have_payload = true;
        } else if (k == "peers") {
            if (v.type != json::kind::array) error = "bad_peers";
            have_peers = true;
            json::for_each_element(v, [&](json::value const& p) {
                std::string id;
                if (e.peers.size() >= max_peers_per_envelope || !string_of(p, id, 128) || !peer_id_key(id)) {
                    error = "bad_peers";
                    return false;
                }
                e.peers.push_back(std::move(id));
                return true;
            });
        }
        return error.empty();  // unknown members are ignored: later versions may add some
    });
    if (!error.empty()) return {std::nullopt, error};
    if (!have_v || !have_type || e.from.empty() || e.id.empty()) return {std::nullopt, "missing_field"};
    if (e.is_signal() && (e.to.empty() || e.src.empty() || e.dst.empty() || e.intent.empty() || !have_payload))
        return {std::nullopt, "missing_field"};
    if (!e.is_signal() && !have_peers) return {std::nullopt, "missing_field"};
    // Members another type carries are ignored like unknown ones: the envelope holds only what
    // its type means, so it encodes again to the same envelope.
    if (e.is_signal()) {
        e.peers.clear();
    } else {
        e.to.clear(), e.src.clear(), e.dst.clear(), e.intent.clear(), e.payload.clear();
        e.answer = false;
    }
    return {std::move(e), {}};
}

}  // namespace star::protocol::federation
