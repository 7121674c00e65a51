#include "log_throttle.hpp"

#include <chrono>

namespace star::server {

bool log_throttle::allow(std::uint64_t& suppressed) {
    auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
    auto second = second_.load(std::memory_order_relaxed);
    if (second != now && second_.compare_exchange_strong(second, now)) in_second_.store(0, std::memory_order_relaxed);
    if (in_second_.fetch_add(1, std::memory_order_relaxed) >= per_second_) {
        suppressed_.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    suppressed = suppressed_.exchange(0, std::memory_order_relaxed);
    return true;
}

}  // namespace star::server
