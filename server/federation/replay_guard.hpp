// Refuses federation envelopes that are too old, too far in the future, or already seen.
//
// An envelope is fresh when its timestamp is at most `past` behind our clock and at most `future`
// ahead of it (a small skew: a sender's clock may run ahead, but an envelope cannot be sent from the
// future), and its id has not been seen from that signer. Each signer has its own memory and its own
// horizon: a seen id is remembered until its timestamp leaves the window, and when the memory is
// full the oldest id of the signer that holds the most is forgotten, everything of that signer's at
// or before it becoming stale (its window shrinks rather than leaking a replay). So a signer that
// floods, even with envelopes stamped ahead, only ever shrinks its own window, never another's.
// Memory holds nothing from before the process started: envelopes older than its start less `future`
// are stale, so a replay captured before a restart is not taken after it.
// Owned by one thread (the backend's); not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace star::server::federation {

class replay_guard {
public:
    struct limits {
        std::int64_t past_ms;     // how old an envelope may be (the clock skew plus its journey)
        std::int64_t future_ms;   // how far ahead of our clock it may be stamped
        std::size_t capacity;     // ids remembered, all signers together
        std::size_t max_signers;  // signers remembered at once (open mode lets anyone sign)
    };
    // `started_ms`: when this memory began (the process's start), by the clock check() is given.
    replay_guard(limits l, std::int64_t started_ms) : limits_(l), start_floor_ms_(started_ms - l.future_ms) {}

    // "" when fresh (and now remembered), else the refusal: "stale" or "replayed".
    std::string_view check(std::string const& signer, std::string const& id, std::int64_t ts_ms, std::int64_t now_ms);

    std::size_t size() const { return size_; }
    std::size_t signers() const { return signers_.size(); }

private:
    struct memory {
        std::int64_t horizon_ms = INT64_MIN;  // at or before this, everything of this signer's is stale
        std::unordered_set<std::string> ids;
        std::multimap<std::int64_t, std::string> by_ts;
    };

    memory* memory_of(std::string const& signer, std::int64_t now_ms);
    void forget_before(memory& m, std::int64_t ts_ms);
    void forget_expired(std::int64_t now_ms);
    void make_room();

    limits limits_;
    std::int64_t start_floor_ms_;  // older than this, we cannot know what we saw before the start
    std::unordered_map<std::string, memory> signers_;
    std::size_t size_ = 0;
};

}  // namespace star::server::federation
