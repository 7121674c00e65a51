// The federation shell's policies, written once for every engine: when a failed publish is sent
// again, and how long to wait before trying a lost relay again. Pure, so each rule is tested alone.
#pragma once

#include "backends/shell/engine.hpp"

#include <algorithm>
#include <chrono>

namespace star::server::shell {

// A publish is tried at most this many times, retry_delay apart (federation_shell's timing), always
// with the same bytes, and only while the link is up: a signal waiting longer than that is better
// answered "peer is not available" than delivered late.
inline constexpr int max_publish_attempts = 3;

// Whether a publish that ended with `outcome` after `attempts` tries goes again:
// - not sent for certain (a Redis error reply): yes, nobody has seen it;
// - unknown (the connection failed while it was out): only where a repeat is harmless (Waku relay
//   deduplicates, the receiver's replay guard drops a repeated id); with Redis the first copy may
//   have been delivered, and a receiver would see the offer twice;
// - delivered, nobody listening, or refused: never.
constexpr bool worth_retrying(publish_outcome outcome, int attempts, bool repeats_are_harmless) {
    if (attempts >= max_publish_attempts) return false;
    if (outcome == publish_outcome::not_sent) return true;
    return outcome == publish_outcome::unknown && repeats_are_harmless;
}

// The wait before the next attempt to reach a lost relay.
class reconnect_backoff {
public:
    static constexpr std::chrono::milliseconds first{100}, longest{5000};

    std::chrono::milliseconds next(reconnect_pace pace) {
        if (pace == reconnect_pace::slowest) current_ = longest;
        else current_ = current_.count() == 0 ? first : std::min(longest, current_ * 2);
        return current_;
    }
    void reset() { current_ = std::chrono::milliseconds(0); }

private:
    std::chrono::milliseconds current_{0};
};

}  // namespace star::server::shell
