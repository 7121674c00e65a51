// Seals a federation envelope into a Waku message payload (26/WAKU2-PAYLOAD, Waku message
// version 1) and opens one that arrived, as fedshared.md describes:
//   signal, unavailable:    signed by us, ECIES-encrypted to the destination server's public key;
//   presence, join, leave:  signed by us, AES-256-GCM with the presence key every member derives
//                           (protocol::waku_payload::presence_key).
// open() checks the signature, the envelope (version 2) and its size; whether the signer is trusted,
// whether `from` is the signer's id and whether the envelope is fresh are the caller's (trust's gate).
#pragma once

#include "protocol/federation_envelope.hpp"
#include "protocol/federation_keys.hpp"
#include "protocol/waku_payload.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace star::server::federation {

struct opened {
    protocol::federation::envelope env;
    protocol::federation::public_key signer;
};

// refusal, when value is empty, is a metric label:
//   "too_large"      the payload is over protocol::waku_payload::max_sealed_size
//   "undecryptable"  not encrypted for us (wrong key, tampered, truncated, not 26/WAKU2-PAYLOAD)
//   "unsigned"       decrypted, but carries no signature
//   "bad_signature"  the signature does not recover a public key
//   "old_version"    a version 1 envelope (unsigned JSON, or signed v1 JSON)
//   "bad_envelope"   signed and decrypted, but not a valid version 2 envelope
struct open_result {
    std::optional<opened> value;
    std::string_view refusal;
};

class sealer {  // one per backend; thread-safe: const after construction
public:
    sealer(protocol::federation::private_key own, std::string presence_secret_or_topic_prefix);

    std::string const& own_id() const { return own_id_; }
    protocol::federation::public_key const& own_key() const { return own_key_; }

    // The Waku message payload (version 1). env.from must be own_id(). Signals need the destination's
    // key (to_key; when null, parsed from env.to, which is a federation id). Throws
    // std::invalid_argument when either is wrong: a bug in the caller, not bad input.
    std::vector<std::uint8_t> seal(protocol::federation::envelope const& env,
                                   protocol::federation::public_key const* to_key) const;
    open_result open(std::span<std::uint8_t const> payload, bool is_signal_topic) const;

private:
    protocol::federation::private_key own_;
    protocol::federation::public_key own_key_;
    std::string own_id_;
    protocol::waku_payload::symmetric_key presence_key_;
};

}  // namespace star::server::federation
