#include "ws_wire.hpp"

#include <cstring>

#include "protocol/base64.hpp"

namespace webrtc_star::bench::ws_wire {
namespace {

namespace proto_ws = star::protocol::websocket;

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// True when the comma-separated list `value` holds `token` (any case).
bool has_token(std::string_view value, std::string_view token) {
    while (!value.empty()) {
        auto comma = value.find(',');
        if (iequals(trim(value.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

upgrade_result upgrade_error(std::string why) {
    upgrade_result r;
    r.status = upgrade_status::error;
    r.error = std::move(why);
    return r;
}

}  // namespace

std::string make_key(std::uint64_t a, std::uint64_t b) {
    char bytes[16];
    std::memcpy(bytes, &a, 8);
    std::memcpy(bytes + 8, &b, 8);
    return star::protocol::base64_encode(std::string_view(bytes, sizeof bytes));
}

void append_upgrade_request(std::string& out, std::string_view host, std::string_view target, std::string_view key) {
    out.append("GET ").append(target).append(" HTTP/1.1\r\nHost: ").append(host);
    out.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ").append(key);
    out.append("\r\nSec-WebSocket-Version: 13\r\n\r\n");
}

upgrade_result check_upgrade_response(std::string_view received, std::string_view key) {
    auto end = received.find("\r\n\r\n");
    if (end == std::string_view::npos || end + 4 > max_upgrade_response) {
        if (received.size() >= max_upgrade_response)
            return upgrade_error("response head over " + std::to_string(max_upgrade_response) + " bytes");
        return {};
    }
    auto head = received.substr(0, end + 2);  // every line ends in CRLF
    auto eol = head.find("\r\n");
    auto status = head.substr(0, eol);
    // "HTTP/1.1 101 Switching Protocols"; the reason phrase is free text.
    bool switching = status.size() >= 12 && status.substr(0, 7) == "HTTP/1." && status[8] == ' ' &&
                     status.substr(9, 3) == "101" && (status.size() == 12 || status[12] == ' ');
    if (!switching) return upgrade_error("unexpected status: " + std::string(status.substr(0, 100)));
    head.remove_prefix(eol + 2);
    bool upgrade = false, connection = false, accepted = false;
    auto const expected = star::protocol::websocket::accept_key(key);
    while (!head.empty()) {
        eol = head.find("\r\n");
        auto line = head.substr(0, eol);
        head.remove_prefix(eol + 2);
        auto colon = line.find(':');
        if (colon == std::string_view::npos) return upgrade_error("malformed header line");
        auto name = line.substr(0, colon);
        auto value = trim(line.substr(colon + 1));
        if (iequals(name, "upgrade")) upgrade = has_token(value, "websocket");
        else if (iequals(name, "connection")) connection = has_token(value, "upgrade");
        else if (iequals(name, "sec-websocket-accept")) accepted = value == expected;
    }
    if (!upgrade || !connection) return upgrade_error("no Upgrade: websocket / Connection: upgrade in the response");
    if (!accepted) return upgrade_error("missing or wrong Sec-WebSocket-Accept");
    upgrade_result r;
    r.status = upgrade_status::ok;
    r.header_size = end + 4;
    return r;
}

// The masking key is the caller's: the bench draws one per connection from a
// cheap PRNG. RFC 6455 wants a fresh, unpredictable key per frame, but it only
// protects proxies from crafted payloads; servers cannot tell, and this is a
// load generator whose payloads are its own.
void append_frame(std::string& out, opcode op, std::string_view payload, std::uint32_t mask) {
    unsigned char header[proto_ws::max_header_size + 4];
    auto n = proto_ws::encode_header(op, payload.size(), header);
    header[1] |= 0x80;
    unsigned char key[8];
    for (int i = 0; i < 4; ++i) key[i] = key[i + 4] = static_cast<unsigned char>(mask >> (24 - 8 * i));
    std::memcpy(header + n, key, 4);
    n += 4;
    auto at = out.size();
    out.resize(at + n + payload.size());
    char* p = out.data() + at;
    std::memcpy(p, header, n);
    p += n;
    // Eight bytes at a time; each frame's mask starts again at key[0].
    std::uint64_t key8;
    std::memcpy(&key8, key, 8);
    char const* src = payload.data();
    std::size_t i = 0;
    for (; i + 8 <= payload.size(); i += 8) {
        std::uint64_t v;
        std::memcpy(&v, src + i, 8);
        v ^= key8;
        std::memcpy(p + i, &v, 8);
    }
    for (; i < payload.size(); ++i) p[i] = static_cast<char>(static_cast<unsigned char>(src[i]) ^ key[i & 3]);
}

// The payload length of a frame whose header (with its extended length) is complete.
static std::uint64_t payload_length(unsigned char const* p) {
    std::uint64_t len = p[1] & 0x7F;
    if (len == 126) return (std::uint64_t(p[2]) << 8) | p[3];
    if (len == 127) {
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
    }
    return len;
}

std::size_t masked_frame_size(std::string_view bytes) {
    if (bytes.size() < 2) return 0;
    auto const* p = reinterpret_cast<unsigned char const*>(bytes.data());
    std::uint64_t len = p[1] & 0x7F;
    std::size_t header = 2 + (len == 126 ? 2 : len == 127 ? 8 : 0) + 4;
    if (bytes.size() < header) return 0;
    return header + static_cast<std::size_t>(payload_length(p));
}

parse_result parse_frame(std::string_view bytes, std::size_t max_payload) {
    parse_result r;
    auto fail = [&r](char const* why) {
        r.status = parse_status::error;
        r.error = why;
        return r;
    };
    if (bytes.size() < 2) return r;
    auto const* p = reinterpret_cast<unsigned char const*>(bytes.data());
    bool fin = p[0] & 0x80;
    unsigned op = p[0] & 0x0F;
    bool control = op & 0x8;
    std::uint64_t len = p[1] & 0x7F;
    if (p[0] & 0x70) return fail("reserved bits set");
    if (p[1] & 0x80) return fail("masked frame from the server");
    if (control ? op > 10 : op > 2) return fail("reserved opcode");
    if (control && (!fin || len > 125)) return fail("fragmented or over-long control frame");
    std::size_t header = 2 + (len == 126 ? 2 : len == 127 ? 8 : 0);
    if (bytes.size() < header) return r;
    len = payload_length(p);
    if (!control && len > max_payload) return fail("message over the size limit");
    if (bytes.size() - header < len) return r;
    r.status = parse_status::done;
    r.f = {static_cast<opcode>(op), fin, bytes.substr(header, static_cast<std::size_t>(len))};
    r.size = header + static_cast<std::size_t>(len);
    return r;
}

reader::result reader::fail(char const* why) {
    error_ = why;
    return result::error;
}

reader::result reader::next(std::string_view& bytes, message& out) {
    if (error_) return result::error;
    if (delivered_fragments_) {
        // The joined message went out last call; rare, so give the memory back.
        std::string().swap(fragments_);
        delivered_fragments_ = false;
    }
    for (;;) {
        auto r = parse_frame(bytes, max_message_ - (in_fragmented_ ? fragments_.size() : 0));
        if (r.status == parse_status::need_more) return result::need_more;
        if (r.status == parse_status::error) return fail(r.error);
        bytes.remove_prefix(r.size);
        auto op = r.f.op;
        if (static_cast<unsigned>(op) & 0x8) {
            out = {op, r.f.payload};  // control frames may come between fragments
            return result::message;
        }
        if (op == opcode::continuation) {
            if (!in_fragmented_) return fail("continuation frame outside a fragmented message");
            fragments_.append(r.f.payload);
            if (!r.f.fin) continue;
            in_fragmented_ = false;
            delivered_fragments_ = true;
            out = {fragmented_op_, fragments_};
            return result::message;
        }
        if (in_fragmented_) return fail("new message inside a fragmented one");
        if (!r.f.fin) {
            in_fragmented_ = true;
            fragmented_op_ = op;
            fragments_.assign(r.f.payload);
            continue;
        }
        out = {op, r.f.payload};
        return result::message;
    }
}

}  // namespace webrtc_star::bench::ws_wire
