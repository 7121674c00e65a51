#include "protocol/websocket.hpp"

#include <catch2/catch.hpp>

using namespace star::protocol::websocket;

namespace {

// A client frame: masked, as browsers send them.
std::string client_frame(std::uint8_t first_byte, std::string_view payload, std::uint32_t mask_key = 0x12345678) {
    std::string f;
    f += static_cast<char>(first_byte);
    if (payload.size() < 126) {
        f += static_cast<char>(0x80 | payload.size());
    } else if (payload.size() <= 0xFFFF) {
        f += static_cast<char>(0x80 | 126);
        f += static_cast<char>(payload.size() >> 8);
        f += static_cast<char>(payload.size() & 0xFF);
    } else {
        f += static_cast<char>(0x80 | 127);
        for (int i = 7; i >= 0; --i) f += static_cast<char>((std::uint64_t(payload.size()) >> (8 * i)) & 0xFF);
    }
    char mask[4] = {char(mask_key >> 24), char(mask_key >> 16), char(mask_key >> 8), char(mask_key)};
    f.append(mask, 4);
    for (std::size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ mask[i & 3]);
    return f;
}

std::string text(std::string_view s) { return client_frame(0x81, s); }

// A server's text frame, as RFC 6455 5.2 lays it out: FIN and opcode 1, no mask, the shortest length.
std::string text_unmasked(std::string_view payload) {
    std::string f = client_frame(0x81, payload);
    std::size_t len_bytes = payload.size() < 126 ? 0 : payload.size() <= 0xFFFF ? 2 : 8;
    f[1] = static_cast<char>(f[1] & 0x7F);              // no mask bit
    f.erase(2 + len_bytes, 4);                          // no masking key
    f.replace(2 + len_bytes, payload.size(), payload);  // the payload as it is
    return f;
}

}  // namespace

TEST_CASE("the accept key is RFC 6455's") {
    CHECK(accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    CHECK(valid_client_key("dGhlIHNhbXBsZSBub25jZQ=="));
    CHECK_FALSE(valid_client_key("short"));
    CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ"));
}

TEST_CASE("server headers use the shortest length form") {
    std::uint8_t h[max_header_size];
    CHECK(encode_header(opcode::text, 5, h) == 2);
    CHECK(h[0] == 0x81);
    CHECK(h[1] == 5);
    CHECK(encode_header(opcode::text, 126, h) == 4);
    CHECK((h[2] << 8 | h[3]) == 126);
    CHECK(encode_header(opcode::binary, 70000, h) == 10);
    CHECK(h[0] == 0x82);
    CHECK(close_payload(1001) == std::string("\x03\xe9", 2));
}

TEST_CASE("a run of text frames is walked back message by message, whatever the length form") {
    std::vector<std::string> messages{"",
                                      "42[\"ws-peer\"]",
                                      std::string(125, 'a'),
                                      std::string(126, 'b'),
                                      std::string(65535, 'c'),
                                      std::string(65536, 'd')};
    std::string run;
    for (auto const& m : messages) append_text_frame(run, m);
    std::string expected;
    for (auto const& m : messages) expected += text_unmasked(m);
    CHECK(run == expected);
    std::vector<std::string> got;
    for_each_text_frame(run, [&](std::string_view m) { got.emplace_back(m); });
    CHECK(got == messages);
    // Cut short, it yields the frames that are whole and stops.
    got.clear();
    for_each_text_frame(std::string_view(run).substr(0, run.size() - 1),
                        [&](std::string_view m) { got.emplace_back(m); });
    CHECK(got.size() == messages.size() - 1);
}

TEST_CASE("messages arrive whole however the bytes are split") {
    std::string stream = text("42[\"a\"]") + text(std::string(300, 'x')) + text(std::string(70000, 'y'));
    for (std::size_t chunk : {1u, 3u, 7u, 4096u, 1000000u}) {
        INFO(chunk);
        reader r(1000000);
        std::vector<std::string> got;
        for (std::size_t i = 0; i < stream.size(); i += chunk) {
            r.feed(std::string_view(stream).substr(i, chunk));
            for (auto e = r.next(); e.type != reader::kind::none; e = r.next()) {
                REQUIRE(e.type == reader::kind::text);
                got.emplace_back(e.payload);
            }
        }
        REQUIRE(got.size() == 3);
        CHECK(got[0] == "42[\"a\"]");
        CHECK(got[1] == std::string(300, 'x'));
        CHECK(got[2] == std::string(70000, 'y'));
        r.release_idle();
        CHECK(r.buffered() == 0);
    }
}

TEST_CASE("fragments are reassembled, with control frames between them") {
    reader r(100);
    r.feed(client_frame(0x01, "he") + client_frame(0x89, "p") + client_frame(0x00, "ll") + client_frame(0x80, "o"));
    auto ping = r.next();
    CHECK(ping.type == reader::kind::ping);
    CHECK(ping.payload == "p");
    auto msg = r.next();
    CHECK(msg.type == reader::kind::text);
    CHECK(msg.payload == "hello");
    CHECK(r.next().type == reader::kind::none);
}

TEST_CASE("close frames carry their code") {
    reader r(100);
    r.feed(client_frame(0x88, std::string("\x03\xe8", 2) + "bye") + client_frame(0x88, ""));
    auto c = r.next();
    CHECK(c.type == reader::kind::close);
    CHECK(c.code == 1000);
    CHECK(c.payload == "bye");
    CHECK(r.next().code == close_code::normal);
}

TEST_CASE("protocol violations end the stream with the right close code") {
    auto first_error = [](std::string const& bytes, std::size_t max = 100) {
        reader r(max);
        r.feed(bytes);
        for (auto e = r.next();; e = r.next()) {
            if (e.type == reader::kind::error) return e.code;
            if (e.type == reader::kind::none) return std::uint16_t(0);
        }
    };
    std::string unmasked = "\x81\x02hi";
    CHECK(first_error(unmasked) == close_code::protocol_error);
    CHECK(first_error(client_frame(0xC1, "x")) == close_code::protocol_error);  // RSV1 without an extension
    CHECK(first_error(client_frame(0x83, "x")) == close_code::protocol_error);  // reserved opcode
    CHECK(first_error(client_frame(0x80, "x")) == close_code::protocol_error);  // continuation out of nowhere
    CHECK(first_error(client_frame(0x01, "a") + text("b")) == close_code::protocol_error);  // new message mid-way
    CHECK(first_error(client_frame(0x09, "p")) == close_code::protocol_error);              // fragmented ping
    CHECK(first_error(client_frame(0x89, std::string(126, 'p'))) == close_code::protocol_error);
    CHECK(first_error(client_frame(0x88, "x")) == close_code::protocol_error);  // 1-byte close payload
    CHECK(first_error(text(std::string(101, 'x'))) == close_code::too_big);
    CHECK(first_error(client_frame(0x01, std::string(60, 'x')) + client_frame(0x80, std::string(60, 'x'))) ==
          close_code::too_big);
    CHECK(first_error(text("\xff\xfe")) == close_code::invalid_payload);
    CHECK(first_error(client_frame(0x82, "\xff")) == 0);  // binary may be anything
    // Too big is refused from the header alone, before the payload is buffered.
    std::string huge_header = client_frame(0x81, "").substr(0, 1) + "\xff" + std::string(8, '\x00') + "abcd";
    huge_header[5] = '\x10';  // 2^20 bytes announced
    CHECK(first_error(huge_header, 1000) == close_code::too_big);
}

TEST_CASE("close frames with a code a client may not send, or a reason that is not UTF-8, are errors") {
    auto close_with = [](std::uint16_t code, std::string reason = {}) {
        reader r(100);
        r.feed(client_frame(0x88, close_payload(code) + reason));
        auto e = r.next();
        return e.type == reader::kind::error ? e.code : std::uint16_t(0);
    };
    for (std::uint16_t bad : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
        CHECK(close_with(bad) == close_code::protocol_error);
    for (std::uint16_t good : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 3000, 3999, 4000, 4999})
        CHECK(close_with(good) == 0);
    CHECK(close_with(1000, "\xce\xba\xe1\xbd\xb9") == 0);
    CHECK(close_with(1000, "\xff\xfe") == close_code::invalid_payload);
    CHECK(close_with(1000, "\xce") == close_code::invalid_payload);  // truncated sequence
}

TEST_CASE("the reader says how large the message under way is, and what it holds") {
    reader r(1'000'000);
    CHECK(r.pending_message_size() == 0);
    std::string frame = client_frame(0x81, std::string(70'000, 'x'));
    r.feed(frame.substr(0, 100));
    CHECK(r.next().type == reader::kind::none);
    CHECK(r.pending_message_size() == 70'000 + 14);  // 64-bit length form: 10-byte header + mask
    CHECK(r.held() >= 100);
    r.feed(frame.substr(100));
    CHECK(r.next().type == reader::kind::text);
    CHECK(r.next().type == reader::kind::none);
    CHECK(r.pending_message_size() == 0);
    r.release_idle();
    CHECK(r.held() <= 2 * 4096);
}
