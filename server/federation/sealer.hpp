// Seals a federation envelope into a Waku message payload (26/WAKU2-PAYLOAD, Waku message
// version 1) and opens one that arrived, as fedshared.md describes:
//   signal, unavailable:    signed by us, ECIES-encrypted to the destination server's public key;
//   presence, join, leave:  signed by us, AES-256-GCM with the presence key every member derives
//                           (protocol::waku_payload::presence_key).
// Opening is two steps, so that the caller can refuse an untrusted signer before any JSON is parsed:
// unseal() decrypts and checks the signature (no JSON); read() decodes the envelope (version 2) and
// checks it belongs on its topic; open() is both. Whether the signer is trusted, whether `from` is the
// signer's id and whether the envelope is fresh are the caller's (trust's gate).
#pragma once

#include "federation/trust_list.hpp"
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

// Decrypted and signed, not yet read.
struct unsealed {
    std::vector<std::uint8_t> payload;  // the envelope's JSON, as its signer wrote it
    protocol::federation::public_key signer;
};
struct unseal_result {
    std::optional<unsealed> value;
    std::string_view refusal;  // as open_result's, but never "old_version" nor "bad_envelope" of a signed one
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
    unseal_result unseal(std::span<std::uint8_t const> payload, bool is_signal_topic) const;
    static open_result read(unsealed u, bool is_signal_topic);
    // As seal(), with the destination's key from the trust list: nullopt for a signal to a server the
    // list does not hold (revoked, or never trusted), which is never sealed nor sent. Open mode
    // (`trust` null): the key its id is.
    std::optional<std::vector<std::uint8_t>> seal_for(protocol::federation::envelope const& env,
                                                      trust_list const* trust) const;
    open_result open(std::span<std::uint8_t const> payload, bool is_signal_topic) const;
    // The key we share with `other` for recipient tags (recipient_tags.hpp).
    std::optional<protocol::waku_payload::pair_key> pair_key_with(protocol::federation::public_key const& other) const {
        return protocol::waku_payload::pair_key_of(own_, other);
    }

private:
    protocol::federation::private_key own_;
    protocol::federation::public_key own_key_;
    std::string own_id_;
    protocol::waku_payload::symmetric_key presence_key_;
};

}  // namespace star::server::federation
