#include "federation/replay_guard.hpp"

namespace star::server::federation {

std::string_view replay_guard::check(std::string const& key, std::int64_t ts_ms, std::int64_t now_ms) {
    forget_before(now_ms - window_ms_);
    if (ts_ms < now_ms - window_ms_ || ts_ms > now_ms + window_ms_ || ts_ms <= horizon_ms_) return "stale";
    if (keys_.count(key)) return "replayed";
    if (keys_.size() >= capacity_ && !by_ts_.empty()) {
        auto oldest = by_ts_.begin();
        if (ts_ms <= oldest->first) return "stale";  // older than all we remember: no room for it
        horizon_ms_ = std::max(horizon_ms_, oldest->first);
        keys_.erase(oldest->second);
        by_ts_.erase(oldest);
    }
    keys_.insert(key);
    by_ts_.emplace(ts_ms, key);
    return {};
}

// Keys older than the window need no memory: their replays are stale.
void replay_guard::forget_before(std::int64_t ts_ms) {
    auto end = by_ts_.lower_bound(ts_ms);
    for (auto it = by_ts_.begin(); it != end; ++it) keys_.erase(it->second);
    by_ts_.erase(by_ts_.begin(), end);
}

}  // namespace star::server::federation
