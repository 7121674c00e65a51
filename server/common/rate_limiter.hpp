// A token bucket: `rate` events a second on average, bursts up to twice that. One owner,
// no locking (a connection's own thread, or the hub under its lock).
#pragma once

#include <algorithm>
#include <chrono>

namespace star::server {

class rate_limiter {
public:
    using clock = std::chrono::steady_clock;

    // `rate` 0: unlimited. The bucket starts full (two seconds' worth) unless told otherwise.
    explicit rate_limiter(unsigned rate = 0) { reset(rate); }
    void reset(unsigned rate, clock::time_point now = clock::now()) { reset(rate, now, 2.0 * rate); }
    void reset(unsigned rate, clock::time_point now, double initial_tokens) {
        rate_ = rate;
        tokens_ = initial_tokens;
        at_ = now;
    }

    // Takes one token if there is one.
    bool allow(clock::time_point now) {
        if (rate_ == 0) return true;
        if (now > at_) {
            tokens_ = std::min(2.0 * rate_, tokens_ + std::chrono::duration<double>(now - at_).count() * rate_);
            at_ = now;
        }
        if (tokens_ < 1) return false;
        tokens_ -= 1;
        return true;
    }

private:
    unsigned rate_ = 0;
    double tokens_ = 0;
    clock::time_point at_{};
};

}  // namespace star::server
