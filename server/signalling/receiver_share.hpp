// What one peer may be sent per second (--max-received-per-second), shared fairly among the
// peers sending to it, with SDP offers and answers ahead of trickled candidates. Sans-I/O: the
// caller passes the time and a sender id (a hash of the sending peer's key); one per peer in
// the hub's peer table, touched only under the hub's lock.
//
// Two kinds of token bucket:
// - the receiver's `total_`: rate R, burst 2R, the old per-receiver limit. Every message let
//   through takes one of its tokens, so the receiver is never sent more than before.
// - one `entitlement` per recent sender: rate R/N, burst twice that, N the senders heard from in
//   the last `forget_after`. A sender's messages beyond its entitlement are refused, whatever
//   the total holds: a flooder gets its own share and never another sender's.
// The entitlements bind only while the receiver is under pressure (its total less than half
// full, i.e. it has lately been sent more than R a second): until then every message goes and
// is charged to its sender's entitlement, so a peer with many callers and no flood refuses none.
// The entitlements add up to R, so a flood could still hold the total at zero, and a sender
// coming in the middle of it would wait for tokens its share entitles it to. So candidates
// leave the total's last `headroom` (an eighth of a second's worth) to senders with more of
// their share left than they have: flooders keep the total at the headroom, and a sender that
// has been quiet (a newcomer, a peer between dials) finds it there at once.
//
// Offers and answers go ahead by reserves rather than by a bucket of their own (which would
// raise what a peer can be sent, and which a flooder fills with fake "offers" just as well):
// they may overdraw their sender's entitlement by a quarter of its burst and take the total's
// headroom, so neither the sender's own trickle nor anyone else's refuses them. A dial is one
// offer and one answer, a handful of tokens; the reserves hold many.
//
// Bounded: at most `max_tracked` senders, 24 bytes each, grown as senders appear (no allocation
// per message once the slots exist); a sender idle `forget_after` is forgotten (its entitlement
// would be full again by then, unless offers overdrew it). Senders beyond the cap share one
// overflow entitlement. Senders are joined peers (one per connection, so bounded by
// --max-connections) or peers a trusted server holds: a flooder rotating ids needs as many
// connections, and past `max_tracked` of them it shares one entitlement with itself. One message
// costs a pass over at most `max_tracked` slots (forgetting the idle ones as it goes).
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace star::server {

class receiver_share {
public:
    using clock = std::chrono::steady_clock;
    static constexpr std::size_t max_tracked = 32;
    static constexpr std::chrono::seconds forget_after{2};

    // `rate` 0: unlimited. The total starts full.
    explicit receiver_share(unsigned rate = 0) { reset(rate); }
    void reset(unsigned rate, clock::time_point now = clock::now());

    // Takes a token for one message from `sender` if its share has room. `negotiation`: an SDP
    // offer or answer (protocol::is_session_description).
    bool allow(std::uint64_t sender, bool negotiation, clock::time_point now);

    std::size_t tracked() const { return slots_.size(); }  // not counting the overflow

private:
    struct entitlement {
        std::uint64_t sender = 0;
        clock::time_point at{};  // last message (and last refill)
        double tokens = 0;
    };

    // The sender's entitlement, after forgetting the idle ones (one pass over at most
    // max_tracked): its own, a new one, or the overflow.
    entitlement& find(std::uint64_t sender, clock::time_point now);
    bool active(entitlement const& e, clock::time_point now) const { return now - e.at < forget_after; }
    static double headroom(double rate) { return rate / 8; }

    unsigned rate_ = 0;
    double total_ = 0;
    clock::time_point total_at_{};
    std::vector<entitlement> slots_;
    entitlement overflow_;  // never used yet: `at` is the epoch, so it starts full
};

}  // namespace star::server
