#include "messages.hpp"

#include <array>

namespace webrtc_star::bench {
namespace {

constexpr std::array<std::string_view, 17> sdp_lines{
    "v=0",
    "o=- 4215775240449105457 2 IN IP4 127.0.0.1",
    "s=-",
    "t=0 0",
    "a=group:BUNDLE 0",
    "a=extmap-allow-mixed",
    "a=msid-semantic: WMS",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
    "c=IN IP4 0.0.0.0",
    "a=ice-ufrag:Kx3a",
    "a=ice-pwd:7PLwvOVB2h5vyC+b0sT1qk9E",
    "a=ice-options:trickle",
    "a=fingerprint:sha-256 4B:1D:6E:5A:0C:9F:31:7A:22:C3:D8:90:11:AB:5E:77:03:F1:"
    "9C:4D:88:2E:B6:40:7F:13:C5:A9:66:0D:E2:38",
    "a=setup:actpass",
    "a=mid:0",
    "a=sctp-port:5000",
    "a=max-message-size:262144"};

constexpr std::string_view candidate_json =
    R"({"type":"candidate","candidate":{"candidate":"candidate:842163049 1 udp 1677729535 )"
    R"(127.0.0.1 54321 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag Kx3a )"
    R"(network-cost 999","sdpMLineIndex":0,"sdpMid":"0"}})";

}  // namespace

std::string make_sdp(std::size_t escaped_len, bool offer) {
    std::string out;
    out.reserve(escaped_len);
    for (std::size_t i = 0; out.size() < escaped_len; i = (i + 1) % sdp_lines.size()) {
        std::string line(sdp_lines[i]);
        if (!offer && line == "a=setup:actpass") line = "a=setup:active";
        if (i == 0 && !out.empty()) line = "a=x-bench-pad:" + std::string(40, 'x');
        auto room = escaped_len - out.size();
        if (line.size() + 4 <= room) {
            out += line;
            out += "\\r\\n";
        } else {
            out.append(line, 0, room);  // plain characters: never splits an escape
        }
    }
    return out;
}

message_factory::message_factory(std::size_t message_bytes, std::size_t addr_len) {
    std::string addr(addr_len, 'a');
    auto overhead = handshake("i0000000-000000", addr, addr, false, R"({"type":"offer","sdp":""})").size();
    auto sdp_len = message_bytes > overhead ? message_bytes - overhead : 0;
    offer_sdp_ = make_sdp(sdp_len, true);
    answer_sdp_ = make_sdp(sdp_len, false);
}

std::string message_factory::join(std::string_view addr) {
    std::string m;
    m.reserve(addr.size() + 16);
    m.append(R"(42["ss-join",")").append(addr).append(R"("])");
    return m;
}

std::string message_factory::handshake(std::string_view intent, std::string_view src, std::string_view dst, bool answer,
                                       std::string_view signal) const {
    std::string m;
    m.reserve(80 + intent.size() + src.size() + dst.size() + signal.size());
    m.append(R"(42["ss-handshake",{"intentId":")").append(intent);
    m.append(R"(","srcMultiaddr":")").append(src);
    m.append(R"(","dstMultiaddr":")").append(dst).append("\"");
    if (answer) m.append(R"(,"answer":true)");
    m.append(R"(,"signal":)").append(signal).append("}]");
    return m;
}

std::string message_factory::offer(std::string_view intent, std::string_view src, std::string_view dst) const {
    std::string signal;
    signal.reserve(offer_sdp_.size() + 32);
    signal.append(R"({"type":"offer","sdp":")").append(offer_sdp_).append("\"}");
    return handshake(intent, src, dst, false, signal);
}

std::string message_factory::answer(std::string_view intent, std::string_view dialer, std::string_view self) const {
    std::string signal;
    signal.reserve(answer_sdp_.size() + 32);
    signal.append(R"({"type":"answer","sdp":")").append(answer_sdp_).append("\"}");
    return handshake(intent, dialer, self, true, signal);
}

std::string message_factory::candidate(std::string_view intent, std::string_view dialer, std::string_view listener,
                                       bool from_listener) const {
    // The listener's candidates travel like its answer (answer:true, back to
    // the dialer); the dialer's like its offer.
    return handshake(intent, dialer, listener, from_listener, candidate_json);
}

}  // namespace webrtc_star::bench
