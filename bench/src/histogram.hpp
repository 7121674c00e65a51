#pragma once
// HDR-style log-linear histogram of non-negative integers (microseconds here):
// 256 exact buckets, then 128 buckets per power of two, so any recorded value
// is reported within 0.8% of itself. Fixed size (5,376 counters), mergeable,
// subtractable (for per-second intervals of a cumulative histogram).

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace webrtc_star::bench {

class histogram {
public:
    static constexpr std::size_t bucket_count = 256 + 40 * 128;
    static std::size_t index_of(std::uint64_t value);
    static std::uint64_t highest_in(std::size_t index);

    histogram();

    void record(std::uint64_t value, std::uint64_t times = 1);
    void merge(histogram const& other);
    // Counts recorded since `earlier` (a previous copy of this histogram).
    histogram since(histogram const& earlier) const;

    std::uint64_t count() const { return total_; }
    std::uint64_t max() const { return max_; }
    double mean() const { return total_ ? static_cast<double>(sum_) / total_ : 0.0; }
    // Highest value equivalent to the one at percentile p (0..100).
    std::uint64_t percentile(double p) const;

    // Sparse form for passing results between processes.
    nlohmann::json to_json() const;
    static histogram from_json(nlohmann::json const& j);

private:
    friend class atomic_histogram;
    std::vector<std::uint64_t> counts_;
    std::uint64_t total_ = 0;
    std::uint64_t sum_ = 0;
    std::uint64_t max_ = 0;
};

// One writer thread records; any thread may read a consistent-enough copy.
class atomic_histogram {
public:
    atomic_histogram();
    void record(std::uint64_t value);
    histogram read() const;

private:
    static void bump(std::atomic<std::uint64_t>& a, std::uint64_t by) {
        a.store(a.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
    }
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
    std::atomic<std::uint64_t> sum_{0};
    std::atomic<std::uint64_t> max_{0};
};

}  // namespace webrtc_star::bench
