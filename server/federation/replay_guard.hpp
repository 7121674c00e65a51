// Refuses federation envelopes that are too old, too far in the future, or already seen.
//
// An envelope is fresh when its timestamp is within `window` of our clock (either side: the
// servers' clocks may disagree by that much) and its key (signer id and envelope id) has not
// been seen. A seen key is remembered until its timestamp leaves the window: after that, a
// replay of it is refused as stale anyway. The memory is bounded: when it is full, the oldest
// key is forgotten and everything at or before its timestamp becomes stale too, so that no
// replay can slip through the gap (the window shrinks under a flood rather than leaking).
// Owned by one thread (the backend's); not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>

namespace star::server::federation {

class replay_guard {
public:
    replay_guard(std::int64_t window_ms, std::size_t capacity) : window_ms_(window_ms), capacity_(capacity) {}

    // "" when fresh (and now remembered), else the refusal: "stale" or "replayed".
    std::string_view check(std::string const& key, std::int64_t ts_ms, std::int64_t now_ms);

    std::size_t size() const { return keys_.size(); }

private:
    void forget_before(std::int64_t ts_ms);

    std::int64_t window_ms_;
    std::size_t capacity_;
    std::int64_t horizon_ms_ = INT64_MIN;  // at or before this, everything is stale
    std::unordered_set<std::string> keys_;
    std::multimap<std::int64_t, std::string> by_ts_;
};

}  // namespace star::server::federation
