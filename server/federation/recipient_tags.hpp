// Recipient tags (protocol/waku_payload.hpp, tag_of) for the signals we send and receive, so that a
// server skips the signals between others before any ECDH: the key each pair of servers shares is
// made once (one ECDH) and kept. A received signal is for us when its tag matches one made with a
// trusted server's pair key; with more trusted servers than max_senders, checking them all would cost
// more than the ECDH it saves, and the signal is opened as if it carried no tag. Open mode knows no
// senders in advance: its signals are all opened. A signal without a tag (a sender that does not write
// one, or a relay that dropped it) is opened too: the tag saves work, the seal is what protects.
// Owned by the backend's thread (the gate's); not thread-safe.
#pragma once

#include "federation/sealer.hpp"
#include "federation/trust_list.hpp"
#include "protocol/waku_payload.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>

namespace star::server::federation {

class recipient_tags {
public:
    static constexpr std::size_t max_senders = 64;

    explicit recipient_tags(sealer const& seal) : sealer_(seal) {}

    // The tag for a signal we sealed to the server with this id (the trust list's key for it, or in
    // open mode the key its id is); nullopt when there is none to make.
    std::optional<protocol::waku_payload::recipient_tag> tag_for(std::string const& to, trust_list const* trust,
                                                                 std::span<std::uint8_t const> sealed);
    // False only when `tag` is a tag and no trusted server made it for us: not ours, skip it.
    bool maybe_for_us(std::span<std::uint8_t const> tag, trust_list const* trust, std::span<std::uint8_t const> sealed);

private:
    protocol::waku_payload::pair_key const* key_with(protocol::federation::public_key const& other);

    sealer const& sealer_;
    std::unordered_map<std::string, protocol::waku_payload::pair_key> keys_;  // by federation id, bounded
};

}  // namespace star::server::federation
