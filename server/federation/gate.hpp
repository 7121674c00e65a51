// What a received Waku message must pass before the hub believes anything in it, in order:
//   1. a version 1 Waku message (26/WAKU2-PAYLOAD); version 0 is the clear JSON of old servers
//   2. opened by the sealer: decrypted (presence: the federation's key; signals: ours), signed,
//      a valid version 2 envelope
//   3. the signer is in the trust list (any signer in open mode)
//   4. `from` is the signer's federation id
//   5. the timestamp is within the clock-skew window, and the envelope was not seen before
//   6. a signal is addressed to us
// Each refusal is counted by reason (federation_refused_total) and logged, throttled. Our own
// messages, which the relay hands back to us, are dropped quietly (federation_envelopes_dropped_total
// {reason="own_echo"}). Owned by the backend's thread.
#pragma once

#include "federation/replay_guard.hpp"
#include "federation/sealer.hpp"
#include "federation/trust_list.hpp"
#include "log_throttle.hpp"
#include "metrics/metrics.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <span>

namespace star::server::federation {

class gate {
public:
    // `trust` null: open mode, any signer is believed.
    gate(sealer const& seal, trust_list const* trust, std::int64_t max_clock_skew_ms, metrics& m);

    // The envelope to act on, or nullopt when it was refused or dropped (and counted).
    std::optional<protocol::federation::envelope> admit(std::span<std::uint8_t const> payload,
                                                        std::uint64_t waku_version, bool is_signal_topic,
                                                        std::int64_t now_ms);

    // A sealed signal we publish: when the relay hands it back, it is recognised as ours (we cannot
    // decrypt it: it is for its destination).
    void remember_own_signal(std::span<std::uint8_t const> sealed);

private:
    std::string_view check(protocol::federation::envelope const& e, protocol::federation::public_key const& signer,
                           std::int64_t now_ms);
    bool is_own_signal(std::span<std::uint8_t const> payload) const;
    std::nullopt_t refuse(std::string_view reason, std::string_view detail);

    sealer const& sealer_;
    trust_list const* trust_;
    replay_guard replays_;
    metrics& metrics_;
    log_throttle log_throttle_;
    // The ephemeral public keys (first 65 bytes) of our recent sealed signals: unique per message.
    std::deque<std::string> own_signals_order_;
    std::set<std::string, std::less<>> own_signals_;
};

}  // namespace star::server::federation
