#include "signalling/receiver_share.hpp"

#include <algorithm>
#include <limits>

namespace star::server {

void receiver_share::reset(unsigned rate, clock::time_point now) {
    rate_ = rate;
    total_ = 2.0 * rate;
    total_at_ = now;
    slots_.clear();
    overflow_ = {};
}

bool receiver_share::allow(std::uint64_t sender, bool negotiation, clock::time_point now) {
    if (rate_ == 0) return true;
    double const rate = rate_;
    if (now > total_at_) {
        total_ = std::min(2 * rate, total_ + std::chrono::duration<double>(now - total_at_).count() * rate);
        total_at_ = now;
    }
    entitlement& mine = find(sender, now);
    std::size_t senders = slots_.size() + (&mine == &overflow_ || active(overflow_, now) ? 1 : 0);
    double const burst = 2 * rate / static_cast<double>(senders);
    double const dt = now > mine.at ? std::chrono::duration<double>(now - mine.at).count() : 0;
    mine.tokens = std::min(burst, mine.tokens + dt * burst / 2);  // a new one starts full; N may have grown
    mine.at = now;

    // Shares bind only under pressure: while the receiver has been sent less than its rate (the
    // total at least half full), every message goes, and is charged to its sender's share, so
    // that the senders who brought the pressure on are the ones out of tokens once it comes.
    // (Without this, a peer with more than max_tracked callers refused them from the shared
    // overflow share while far below its rate: 26,000 timeouts at 14,000 dials/s among 100 peers.)
    if (total_ >= rate) {
        mine.tokens = std::max(0.0, mine.tokens - 1);
        total_ -= 1;
        return true;
    }

    // Offers and answers may overdraw the sender's share by a quarter of its burst: its own
    // trickle cannot shut them out. Candidates stop at its share, and leave the total's last
    // `headroom` tokens to those with more of their share left: all of it for a sender with a
    // full share (one that has been quiet, a newcomer), none for one that spent it (a flooder).
    double const fill = std::clamp(mine.tokens / burst, 0.0, 1.0);
    double const own_floor = negotiation ? 1 - burst / 4 : 1;
    double const total_floor = negotiation ? 1 : 1 + headroom(rate) * (1 - fill);
    if (mine.tokens < own_floor || total_ < total_floor) return false;
    mine.tokens -= 1;
    total_ -= 1;
    return true;
}

receiver_share::entitlement& receiver_share::find(std::uint64_t sender, clock::time_point now) {
    std::size_t found = slots_.size();
    for (std::size_t i = 0; i < slots_.size();) {
        if (!active(slots_[i], now)) {
            slots_[i] = slots_.back();  // only ever moves one not yet looked at
            slots_.pop_back();
            continue;
        }
        if (slots_[i].sender == sender) found = i;
        ++i;
    }
    if (found < slots_.size()) return slots_[found];
    if (slots_.size() == max_tracked) return overflow_;
    slots_.push_back({sender, now, std::numeric_limits<double>::infinity()});
    return slots_.back();
}

}  // namespace star::server
