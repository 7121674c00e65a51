#pragma once

#include <chrono>
#include <cstdint>

namespace star::server {

// The wall clock in milliseconds since the Unix epoch: what a federation envelope's `ts` carries,
// and what the receiver compares it with (freshness, crossing latency). Not for measuring
// durations on one machine: use std::chrono::steady_clock for those.
inline std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace star::server
