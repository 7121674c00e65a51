#pragma once
// Builds the Socket.IO frames a webrtc-star client sends. SDP bodies are made
// once, sized so an offer frame is about `message_bytes` long.

#include <cstddef>
#include <string>
#include <string_view>

namespace webrtc_star::bench {

class message_factory {
public:
    // `typical_addr_len`: length of the multiaddrs that will be used, so the
    // SDP can be sized to hit the requested frame size.
    message_factory(std::size_t message_bytes, std::size_t typical_addr_len);

    static std::string join(std::string_view addr);
    std::string offer(std::string_view intent, std::string_view src, std::string_view dst) const;
    // `dialer` is the offer's srcMultiaddr, `self` its dstMultiaddr.
    std::string answer(std::string_view intent, std::string_view dialer, std::string_view self) const;
    std::string candidate(std::string_view intent, std::string_view dialer, std::string_view listener,
                          bool from_listener) const;

    std::size_t sdp_bytes() const { return offer_sdp_.size(); }

private:
    std::string handshake(std::string_view intent, std::string_view src, std::string_view dst, bool answer,
                          std::string_view signal) const;
    std::string offer_sdp_;
    std::string answer_sdp_;
};

// JSON-escaped SDP text of exactly `escaped_len` characters, built from the
// lines a browser's data-channel-only offer (or answer) contains.
std::string make_sdp(std::size_t escaped_len, bool offer);

}  // namespace webrtc_star::bench
