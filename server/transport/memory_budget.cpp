#include "transport/memory_budget.hpp"

#include "logger.hpp"

#include <algorithm>
#include <chrono>

namespace star::server {

std::size_t memory_budget::held() const {
    return static_cast<std::size_t>(std::max<std::int64_t>(0, metrics_.buffered_bytes.load(std::memory_order_relaxed)));
}

bool memory_budget::should_shed(std::size_t bytes) const {
    if (!spent()) return false;
    std::size_t holders = std::max<std::size_t>(1, holders_.load(std::memory_order_relaxed));
    return bytes >= std::max(min_shed_bytes, limit_ / holders);
}

void memory_budget::note_shed(std::uint64_t connection, std::size_t bytes, char const* what) {
    inc(metrics_.budget_sheds);
    auto now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
    auto last = last_log_ms_.load(std::memory_order_relaxed);
    if (now - last < 1000 || !last_log_ms_.compare_exchange_strong(last, now)) {
        unlogged_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    log_with(*logger_for("transport"), spdlog::level::warn,
             {{log_key::connection, std::to_string(connection)}, {log_key::reason, "memory_budget"}},
             "memory budget of {} bytes spent ({} held): shedding connection {} holding {} bytes ({}); {} more shed "
             "since the last such line",
             limit_, held(), connection, bytes, what, unlogged_.exchange(0, std::memory_order_relaxed));
}

}  // namespace star::server
