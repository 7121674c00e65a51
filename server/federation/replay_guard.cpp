#include "federation/replay_guard.hpp"

#include <algorithm>

namespace star::server::federation {

std::string_view replay_guard::check(std::string const& signer, std::string const& id, std::int64_t ts_ms,
                                     std::int64_t now_ms) {
    if (ts_ms < now_ms - limits_.past_ms || ts_ms > now_ms + limits_.future_ms || ts_ms < start_floor_ms_)
        return "stale";
    auto* m = memory_of(signer, now_ms);
    if (!m) return "stale";  // as many signers as we keep, all within their window: no room to be sure
    forget_before(*m, now_ms - limits_.past_ms);
    if (ts_ms <= m->horizon_ms) return "stale";
    if (m->ids.count(id)) return "replayed";
    if (size_ >= limits_.capacity) {
        forget_expired(now_ms);
        if (size_ >= limits_.capacity) make_room();
        if (ts_ms <= m->horizon_ms) return "stale";  // it was this signer's oldest that went
    }
    m->ids.insert(id);
    m->by_ts.emplace(ts_ms, id);
    ++size_;
    return {};
}

replay_guard::memory* replay_guard::memory_of(std::string const& signer, std::int64_t now_ms) {
    if (auto it = signers_.find(signer); it != signers_.end()) return &it->second;
    if (signers_.size() >= limits_.max_signers) forget_expired(now_ms);
    if (signers_.size() >= limits_.max_signers) return nullptr;
    return &signers_[signer];
}

// Ids older than the window need no memory: their replays are stale.
void replay_guard::forget_before(memory& m, std::int64_t ts_ms) {
    auto end = m.by_ts.lower_bound(ts_ms);
    for (auto it = m.by_ts.begin(); it != end; ++it) {
        m.ids.erase(it->second);
        --size_;
    }
    m.by_ts.erase(m.by_ts.begin(), end);
}

// Every signer's expired ids, and the signers left with none (whose horizon, if raised, is in the
// past window's shadow already: nothing it still covers is fresh).
void replay_guard::forget_expired(std::int64_t now_ms) {
    for (auto it = signers_.begin(); it != signers_.end();) {
        forget_before(it->second, now_ms - limits_.past_ms);
        bool horizon_passed = it->second.horizon_ms < now_ms - limits_.past_ms;
        it = it->second.ids.empty() && horizon_passed ? signers_.erase(it) : std::next(it);
    }
}

// Full: the signer holding the most gives up its oldest id, and raises its own horizon to it.
void replay_guard::make_room() {
    auto largest = std::max_element(signers_.begin(), signers_.end(), [](auto const& a, auto const& b) {
        return a.second.ids.size() < b.second.ids.size();
    });
    if (largest == signers_.end() || largest->second.by_ts.empty()) return;
    auto& m = largest->second;
    auto oldest = m.by_ts.begin();
    m.horizon_ms = std::max(m.horizon_ms, oldest->first);
    m.ids.erase(oldest->second);
    m.by_ts.erase(oldest);
    --size_;
}

}  // namespace star::server::federation
