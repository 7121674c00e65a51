// Deadlines that need no better than a few milliseconds (Engine.IO's ping and its timeout, the
// upgrade's and the liveness probe's deadlines, the hub's refresh ticks) are rounded up to one
// process-wide grid, so that the timers of thousands of sessions on a thread fall due together:
// the thread wakes once per step for all of them, not once per session. At 10,000 idle peers
// that is some 400 ping timers a second, each its own wake-up (an epoll_wait return and a
// context switch, which on a virtual machine cost more than the ping), now at most 50 a
// second a thread; and the clients' pongs, answering together, arrive together.
#pragma once

#include <chrono>

namespace star::server {

inline constexpr std::chrono::milliseconds wake_grid_step{20};

// `at`, or the first grid point after it. Never earlier: a deadline is never cut short.
inline std::chrono::steady_clock::time_point on_wake_grid(std::chrono::steady_clock::time_point at) {
    if (at == std::chrono::steady_clock::time_point::max()) return at;
    auto step = std::chrono::duration_cast<std::chrono::steady_clock::duration>(wake_grid_step);
    auto since = at.time_since_epoch();
    auto rest = since % step;
    return rest == rest.zero() ? at : at + (step - rest);
}

}  // namespace star::server
