// The offers a peer sent recently, so that only the peer an offer went to can answer it.
// Bounded per peer: the oldest entry makes room for a new one.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

namespace star::server {

class intent_log {
public:
    using clock = std::chrono::steady_clock;
    static constexpr std::size_t capacity = 64;
    static constexpr std::chrono::seconds ttl{60};

    // Records (or refreshes) an offer with `intent_id` sent to the peer `dst_key`.
    void record(std::string_view intent_id, std::string_view dst_key, clock::time_point now);

    // True if an offer with `intent_id` went to `dst_key` within the last `ttl`.
    bool matches(std::string_view intent_id, std::string_view dst_key, clock::time_point now) const;

    std::size_t size() const { return entries_.size(); }

private:
    struct entry {
        std::string intent_id;
        std::string dst_key;
        clock::time_point expires;
    };
    std::deque<entry> entries_;  // oldest first
};

}  // namespace star::server
