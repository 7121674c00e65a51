// What a received Waku message must pass before the hub believes anything in it, in order:
//   1. a version 1 Waku message (26/WAKU2-PAYLOAD); version 0 is the clear JSON of old servers
//   1b. a signal whose recipient tag (the Waku message's meta, recipient_tags.hpp) says it is for
//      another server is skipped before any ECDH (federation_envelopes_dropped_total{reason="not_for_us"})
//   2. unsealed: decrypted (presence: the federation's key; signals: ours) and signed
//   3. the signer is in the trust list (any signer in open mode): before any JSON is parsed
//   4. read: a valid version 2 envelope, of a type its topic carries
//   5. `from` is the signer's federation id
//   6. a signal is addressed to us
//   7. the timestamp is within the clock-skew window (at most 5 s ahead), after our start, and the
//      envelope was not seen before from its signer (replay_guard.hpp)
// Each refusal is counted by reason (federation_refused_total) and logged, throttled. Our own
// messages, which the relay hands back to us, are dropped quietly (federation_envelopes_dropped_total
// {reason="own_echo"}). Owned by the backend's thread.
#pragma once

#include "federation/recipient_tags.hpp"
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
#include <vector>

namespace star::server::federation {

class gate {
public:
    // `trust` null: open mode, any signer is believed. `started_ms`: when this gate's memory began, by the
    // wall clock admit() is given (tests pass their own).
    gate(sealer const& seal, trust_list const* trust, std::int64_t max_clock_skew_ms, metrics& m,
         std::int64_t started_ms = wall_clock_ms());

    static std::int64_t wall_clock_ms();

    // The envelope to act on, or nullopt when it was refused or dropped (and counted).
    // `meta`: the Waku message's meta field (a signal's recipient tag), empty when it had none.
    std::optional<protocol::federation::envelope> admit(std::span<std::uint8_t const> payload,
                                                        std::uint64_t waku_version, bool is_signal_topic,
                                                        std::int64_t now_ms, std::span<std::uint8_t const> meta = {});

    // The meta to publish a sealed signal for server `to` with: its recipient tag (empty if none).
    std::vector<std::uint8_t> signal_meta(std::string const& to, std::span<std::uint8_t const> sealed);

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
    recipient_tags tags_;
    metrics& metrics_;
    log_throttle log_throttle_;
    // The ephemeral public keys (first 65 bytes) of our recent sealed signals: unique per message.
    std::deque<std::string> own_signals_order_;
    std::set<std::string, std::less<>> own_signals_;
};

}  // namespace star::server::federation
