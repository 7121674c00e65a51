// How long the backend waits before its next poll of nwaku. nwaku has no push, so every
// crossing waits for the receiver's next poll: fast polls while a cross-server handshake is
// in flight or likely (an offer sent, an answer awaited, a signal or a new remote peer just
// received, a local peer just announced), idle polls otherwise, so an idle server costs
// no more requests than before. Pure: the backend feeds it the time.
#pragma once

#include <algorithm>
#include <chrono>

namespace star::server::waku {

class poll_pacer {
public:
    using clock = std::chrono::steady_clock;
    using milliseconds = std::chrono::milliseconds;

    poll_pacer(milliseconds idle, milliseconds fast, milliseconds window)
        : idle_(idle), fast_(std::min(fast, idle)), window_(window) {}

    // Traffic is likely until now + window.
    void expect_traffic(clock::time_point now) { hot_until_ = std::max(hot_until_, now + window_); }
    bool hot(clock::time_point now) const { return now < hot_until_; }
    // The delay before the poll after one that just finished.
    milliseconds next_delay(clock::time_point now) const { return hot(now) ? fast_ : idle_; }
    milliseconds fast() const { return fast_; }

private:
    milliseconds idle_, fast_, window_;
    clock::time_point hot_until_{};
};

}  // namespace star::server::waku
