#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "../src/ws_wire.hpp"
#include "protocol/websocket.hpp"

namespace ws_wire = webrtc_star::bench::ws_wire;
namespace proto_ws = star::protocol::websocket;
using ws_wire::opcode;

namespace {

// An unmasked frame as a server sends it.
std::string server_frame(opcode op, std::string_view payload, bool fin = true) {
    std::uint8_t header[proto_ws::max_header_size];
    auto n = proto_ws::encode_header(op, payload.size(), header);
    if (!fin) header[0] &= 0x7F;
    return std::string(reinterpret_cast<char const*>(header), n) + std::string(payload);
}

std::string payload_of(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
    return s;
}

struct got {
    opcode op;
    std::string payload;
};

// Feeds `bytes` to a reader `step` bytes at a time, keeping only the unparsed
// tail as the client does; returns every message, or stops at an error.
std::vector<got> read_all(ws_wire::reader& r, std::string_view bytes, std::size_t step, bool* failed = nullptr) {
    std::vector<got> out;
    std::string tail;
    for (std::size_t at = 0; at < bytes.size(); at += step) {
        tail.append(bytes.substr(at, step));
        std::string_view rest = tail;
        ws_wire::reader::message m;
        for (;;) {
            auto res = r.next(rest, m);
            if (res == ws_wire::reader::result::need_more) break;
            if (res == ws_wire::reader::result::error) {
                if (failed) *failed = true;
                return out;
            }
            out.push_back({m.op, std::string(m.payload)});
        }
        tail.erase(0, tail.size() - rest.size());
    }
    if (failed) *failed = false;
    return out;
}

bool read_fails(std::string_view bytes, std::size_t max = ws_wire::default_max_message) {
    ws_wire::reader r(max);
    bool failed = false;
    read_all(r, bytes, bytes.size(), &failed);
    return failed && r.error() != nullptr;
}

std::string response(std::string_view key, std::string_view status = "HTTP/1.1 101 Switching Protocols") {
    return std::string(status) +
           "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + proto_ws::accept_key(key) +
           "\r\n\r\n";
}

}  // namespace

TEST_CASE("client frames are masked and decode to their payload", "[ws_wire]") {
    for (std::size_t n : {0, 1, 7, 8, 9, 125, 126, 127, 65535, 65536, 70001}) {
        for (std::uint32_t mask : {0u, 0xdeadbeefu, 0x01020304u}) {
            auto payload = payload_of(n);
            std::string out = "prefix";
            ws_wire::append_frame(out, opcode::text, payload, mask);
            std::string_view f(out);
            f.remove_prefix(6);
            auto const* p = reinterpret_cast<unsigned char const*>(f.data());
            REQUIRE(p[0] == 0x81);
            REQUIRE((p[1] & 0x80) != 0);
            std::size_t header = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
            REQUIRE((p[1] & 0x7F) == (n < 126 ? n : n <= 0xFFFF ? 126 : 127));
            REQUIRE(f.size() == header + 4 + n);
            REQUIRE(ws_wire::masked_frame_size(f) == f.size());
            REQUIRE(ws_wire::masked_frame_size(f.substr(0, header + 3)) == 0);
            unsigned char key[4] = {static_cast<unsigned char>(mask >> 24), static_cast<unsigned char>(mask >> 16),
                                    static_cast<unsigned char>(mask >> 8), static_cast<unsigned char>(mask)};
            REQUIRE(std::memcmp(p + header, key, 4) == 0);
            std::string unmasked(n, '\0');
            for (std::size_t i = 0; i < n; ++i) unmasked[i] = static_cast<char>(p[header + 4 + i] ^ key[i & 3]);
            REQUIRE(unmasked == payload);

            // And the server's own reader, which insists on masking, agrees.
            proto_ws::reader server(1 << 20);
            server.feed(f);
            auto e = server.next();
            REQUIRE(e.type == proto_ws::reader::kind::text);
            REQUIRE(e.payload == payload);
        }
    }
}

TEST_CASE("several client frames in one buffer", "[ws_wire]") {
    std::string out;
    ws_wire::append_frame(out, opcode::text, "3", 0x11223344);
    ws_wire::append_frame(out, opcode::pong, "hi", 0x11223344);
    ws_wire::append_frame(out, opcode::text, "40", 0x11223344);
    ws_wire::append_frame(out, opcode::close, "\x03\xe8", 0x11223344);
    proto_ws::reader server(1024);
    server.feed(out);
    auto e = server.next();
    REQUIRE((e.type == proto_ws::reader::kind::text && e.payload == "3"));
    e = server.next();
    REQUIRE((e.type == proto_ws::reader::kind::pong && e.payload == "hi"));
    e = server.next();
    REQUIRE((e.type == proto_ws::reader::kind::text && e.payload == "40"));
    e = server.next();
    REQUIRE((e.type == proto_ws::reader::kind::close && e.code == 1000));
    REQUIRE(ws_wire::masked_frame_size(out) == 2 + 4 + 1);
}

TEST_CASE("server frames parse whole and split byte by byte", "[ws_wire]") {
    auto mid = payload_of(300);    // 16-bit length
    auto big = payload_of(70000);  // 64-bit length
    std::string stream = server_frame(opcode::text, "0{\"sid\":\"x\"}") + server_frame(opcode::ping, "p") +
                         server_frame(opcode::text, mid) + server_frame(opcode::text, "") +
                         server_frame(opcode::binary, "\x01\x02") + server_frame(opcode::text, big) +
                         server_frame(opcode::close, "\x03\xe8");
    for (std::size_t step : {std::size_t(1), std::size_t(7), std::size_t(4096), stream.size()}) {
        ws_wire::reader r;
        bool failed = true;
        auto msgs = read_all(r, stream, step, &failed);
        REQUIRE_FALSE(failed);
        REQUIRE(msgs.size() == 7);
        REQUIRE((msgs[0].op == opcode::text && msgs[0].payload == "0{\"sid\":\"x\"}"));
        REQUIRE((msgs[1].op == opcode::ping && msgs[1].payload == "p"));
        REQUIRE((msgs[2].op == opcode::text && msgs[2].payload == mid));
        REQUIRE((msgs[3].op == opcode::text && msgs[3].payload.empty()));
        REQUIRE((msgs[4].op == opcode::binary && msgs[4].payload == "\x01\x02"));
        REQUIRE((msgs[5].op == opcode::text && msgs[5].payload == big));
        REQUIRE((msgs[6].op == opcode::close && msgs[6].payload == "\x03\xe8"));
    }
}

TEST_CASE("frame lengths: 7, 16 and 64 bits", "[ws_wire]") {
    auto mid = payload_of(65535);
    auto f = server_frame(opcode::text, mid);
    REQUIRE(static_cast<unsigned char>(f[1]) == 126);
    auto r = ws_wire::parse_frame(f, 1 << 20);
    REQUIRE(r.status == ws_wire::parse_status::done);
    REQUIRE(r.size == 4 + mid.size());
    REQUIRE(r.f.payload == mid);
    REQUIRE(r.f.fin);
    REQUIRE(ws_wire::parse_frame(std::string_view(f).substr(0, 3), 1 << 20).status == ws_wire::parse_status::need_more);
    REQUIRE(ws_wire::parse_frame(std::string_view(f).substr(0, f.size() - 1), 1 << 20).status ==
            ws_wire::parse_status::need_more);

    auto big = payload_of(65536);
    f = server_frame(opcode::text, big);
    REQUIRE(static_cast<unsigned char>(f[1]) == 127);
    r = ws_wire::parse_frame(f, 1 << 20);
    REQUIRE(r.status == ws_wire::parse_status::done);
    REQUIRE(r.size == 10 + big.size());
    REQUIRE(r.f.payload == big);
    REQUIRE(ws_wire::parse_frame(std::string_view(f).substr(0, 9), 1 << 20).status == ws_wire::parse_status::need_more);

    // A short payload in the long form is still read right.
    std::string odd = "\x81\x7f";
    odd += std::string(7, '\0') + "\x03" + "abc";
    r = ws_wire::parse_frame(odd, 100);
    REQUIRE(r.status == ws_wire::parse_status::done);
    REQUIRE(r.f.payload == "abc");
}

TEST_CASE("fragmented messages are joined, control frames may interleave", "[ws_wire]") {
    std::string stream = server_frame(opcode::text, "hel", false) + server_frame(opcode::ping, "x") +
                         server_frame(opcode::continuation, "lo ", false) +
                         server_frame(opcode::continuation, "world") + server_frame(opcode::text, "next") +
                         server_frame(opcode::binary, "\x01", false) + server_frame(opcode::continuation, "\x02");
    for (std::size_t step : {std::size_t(1), stream.size()}) {
        ws_wire::reader r;
        bool failed = true;
        auto msgs = read_all(r, stream, step, &failed);
        REQUIRE_FALSE(failed);
        REQUIRE(msgs.size() == 4);
        REQUIRE((msgs[0].op == opcode::ping && msgs[0].payload == "x"));
        REQUIRE((msgs[1].op == opcode::text && msgs[1].payload == "hello world"));
        REQUIRE((msgs[2].op == opcode::text && msgs[2].payload == "next"));
        REQUIRE((msgs[3].op == opcode::binary && msgs[3].payload == "\x01\x02"));
    }
}

TEST_CASE("protocol errors", "[ws_wire]") {
    // A masked frame from the server.
    std::string masked;
    ws_wire::append_frame(masked, opcode::text, "hi", 1);
    REQUIRE(read_fails(masked));
    // Reserved bits.
    auto rsv = server_frame(opcode::text, "hi");
    rsv[0] = static_cast<char>(rsv[0] | 0x40);
    REQUIRE(read_fails(rsv));
    // Reserved opcodes.
    auto op3 = server_frame(opcode::text, "hi");
    op3[0] = static_cast<char>(0x83);
    REQUIRE(read_fails(op3));
    auto op11 = server_frame(opcode::ping, "hi");
    op11[0] = static_cast<char>(0x8B);
    REQUIRE(read_fails(op11));
    // Control frames: not over 125 bytes, not fragmented.
    REQUIRE(read_fails(server_frame(opcode::ping, payload_of(126))));
    REQUIRE_FALSE(read_fails(server_frame(opcode::ping, payload_of(125))));
    REQUIRE(read_fails(server_frame(opcode::ping, "x", false)));
    // Over the size limit, whole or in parts; detected from the header alone.
    REQUIRE(read_fails(server_frame(opcode::text, payload_of(1001)), 1000));
    REQUIRE_FALSE(read_fails(server_frame(opcode::text, payload_of(1000)), 1000));
    REQUIRE(read_fails(server_frame(opcode::text, payload_of(600)).substr(0, 4), 500));
    REQUIRE(read_fails(
        server_frame(opcode::text, payload_of(600), false) + server_frame(opcode::continuation, payload_of(600)),
        1000));
    auto huge = std::string("\x81\x7f\x00\x00\x00\x01\x00\x00\x00\x00", 10);  // 4 GiB, header only
    REQUIRE(read_fails(huge));
    // Continuations only inside a fragmented message, and nothing else there.
    REQUIRE(read_fails(server_frame(opcode::continuation, "x")));
    REQUIRE(read_fails(server_frame(opcode::text, "a", false) + server_frame(opcode::text, "b")));

    // Once failed, always failed.
    ws_wire::reader r;
    std::string_view bytes = masked;
    ws_wire::reader::message m;
    REQUIRE(r.next(bytes, m) == ws_wire::reader::result::error);
    std::string fine = server_frame(opcode::text, "ok");
    bytes = fine;
    REQUIRE(r.next(bytes, m) == ws_wire::reader::result::error);
}

TEST_CASE("upgrade request", "[ws_wire]") {
    auto key = ws_wire::make_key(0x0123456789abcdefULL, 42);
    REQUIRE(key.size() == 24);
    REQUIRE(proto_ws::valid_client_key(key));
    REQUIRE(ws_wire::make_key(1, 2) != ws_wire::make_key(1, 3));
    std::string out;
    ws_wire::append_upgrade_request(out, "127.0.0.1:9090", "/socket.io/?EIO=4&transport=websocket", key);
    REQUIRE(out ==
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            "Host: 127.0.0.1:9090\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Key: " +
                key +
                "\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n");
}

TEST_CASE("upgrade response: accepted, with the frames after it", "[ws_wire]") {
    auto key = ws_wire::make_key(7, 8);
    auto head = response(key);
    auto frames = server_frame(opcode::text, "0{\"sid\":\"abc\"}") + server_frame(opcode::text, "2");
    auto all = head + frames;
    // Incomplete until the blank line is in.
    for (std::size_t n = 0; n < head.size(); ++n)
        REQUIRE(ws_wire::check_upgrade_response(std::string_view(all).substr(0, n), key).status ==
                ws_wire::upgrade_status::need_more);
    auto r = ws_wire::check_upgrade_response(all, key);
    REQUIRE(r.status == ws_wire::upgrade_status::ok);
    REQUIRE(r.header_size == head.size());
    ws_wire::reader rd;
    bool failed = true;
    auto msgs = read_all(rd, std::string_view(all).substr(r.header_size), 1000, &failed);
    REQUIRE_FALSE(failed);
    REQUIRE(msgs.size() == 2);
    REQUIRE(msgs[0].payload == "0{\"sid\":\"abc\"}");
    REQUIRE(msgs[1].payload == "2");

    // Header names and tokens in any case, extra headers, spaces around values.
    std::string relaxed =
        "HTTP/1.1 101 Switching Protocols\r\nserver: x\r\nUPGRADE:  WebSocket \r\n"
        "connection: keep-alive, upgrade\r\nsec-websocket-accept:" +
        proto_ws::accept_key(key) + "\r\n\r\n";
    r = ws_wire::check_upgrade_response(relaxed, key);
    REQUIRE(r.status == ws_wire::upgrade_status::ok);
    REQUIRE(r.header_size == relaxed.size());
    REQUIRE(
        ws_wire::check_upgrade_response("HTTP/1.1 101\r\n" + relaxed.substr(relaxed.find("\r\n") + 2), key).status ==
        ws_wire::upgrade_status::ok);
}

TEST_CASE("upgrade response: rejected", "[ws_wire]") {
    auto key = ws_wire::make_key(7, 8);
    auto rejected = [&](std::string const& resp) {
        auto r = ws_wire::check_upgrade_response(resp, key);
        return r.status == ws_wire::upgrade_status::error && !r.error.empty();
    };
    REQUIRE(rejected(response(key, "HTTP/1.1 400 Bad Request")));
    REQUIRE(rejected(response(key, "HTTP/1.1 200 OK")));
    REQUIRE(rejected(response(key, "HTTP/1.1 1010 Nope")));
    REQUIRE(rejected(response(key, "ICY 101 x")));
    REQUIRE(rejected(response(ws_wire::make_key(7, 9))));  // wrong accept key
    REQUIRE(rejected("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"));
    REQUIRE(rejected("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                     proto_ws::accept_key(key) + "\r\n\r\n"));
    REQUIRE(rejected("HTTP/1.1 101 Switching Protocols\r\nbroken line\r\n\r\n"));
    REQUIRE(ws_wire::check_upgrade_response("HTTP/1.1 400 Bad Request\r\n\r\n", key).error.find("400") !=
            std::string::npos);
    // Bounded: no blank line within 8 KiB is an error, not a wait.
    std::string endless = "HTTP/1.1 101 Switching Protocols\r\nX: " + std::string(ws_wire::max_upgrade_response, 'a');
    REQUIRE(rejected(endless));
    REQUIRE(ws_wire::check_upgrade_response(endless.substr(0, ws_wire::max_upgrade_response - 1), key).status ==
            ws_wire::upgrade_status::need_more);
}
