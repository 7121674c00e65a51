// When each joined peer gets its next ws-peer refresh, earliest first. The hub wakes once per
// tick for all the refreshes then due, instead of once per peer. An entry whose peer left or
// was rescheduled is stale: the hub skips it, and compacts when stale entries pile up.
// Pure data; owned by the hub and touched only under its lock.
#pragma once

#include "signalling/client_link.hpp"

#include <cstdint>
#include <queue>
#include <vector>

namespace star::server {

class refresh_schedule {
public:
    struct entry {
        steady_time at;
        std::uint64_t link_id;
        bool operator>(entry const& o) const { return at > o.at; }
    };

    void add(steady_time at, std::uint64_t link_id) { due_.push({at, link_id}); }
    bool empty() const { return due_.empty(); }
    std::size_t size() const { return due_.size(); }
    steady_time next() const { return due_.top().at; }

    // Removes every entry due at or before `now`, earliest first, and calls f(entry) for each.
    // f may add entries; those due at or before `now` are taken in the same call.
    template <class F> void take_due(steady_time now, F&& f) {
        while (!due_.empty() && due_.top().at <= now) {
            entry e = due_.top();
            due_.pop();
            f(e);
        }
    }

    // Keeps only `live` (the hub's current entry for each joined peer).
    void reset(std::vector<entry> live) {
        due_ = std::priority_queue<entry, std::vector<entry>, std::greater<>>(std::greater<>{}, std::move(live));
    }

private:
    std::priority_queue<entry, std::vector<entry>, std::greater<>> due_;
};

}  // namespace star::server
