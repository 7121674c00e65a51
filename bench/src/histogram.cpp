#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include <nlohmann/json.hpp>

namespace webrtc_star::bench {

namespace {
constexpr std::uint64_t value_limit = (std::uint64_t{1} << 48) - 1;
}

std::size_t histogram::index_of(std::uint64_t v) {
    v = std::min(v, value_limit);
    if (v < 256) return static_cast<std::size_t>(v);
    auto e = static_cast<unsigned>(std::bit_width(v)) - 8;
    return 256 + (e - 1) * 128 + static_cast<std::size_t>((v >> e) - 128);
}

std::uint64_t histogram::highest_in(std::size_t i) {
    if (i < 256) return i;
    auto e = (i - 256) / 128 + 1;
    auto m = (i - 256) % 128 + 128;
    return (std::uint64_t{m} << e) + (std::uint64_t{1} << e) - 1;
}

histogram::histogram() : counts_(bucket_count, 0) {}

void histogram::record(std::uint64_t value, std::uint64_t times) {
    counts_[index_of(value)] += times;
    total_ += times;
    sum_ += value * times;
    max_ = std::max(max_, value);
}

void histogram::merge(histogram const& o) {
    for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
    sum_ += o.sum_;
    max_ = std::max(max_, o.max_);
}

histogram histogram::since(histogram const& earlier) const {
    histogram d;
    std::size_t top = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        d.counts_[i] = counts_[i] - std::min(counts_[i], earlier.counts_[i]);
        if (d.counts_[i]) top = i;
    }
    d.total_ = total_ - std::min(total_, earlier.total_);
    d.sum_ = sum_ - std::min(sum_, earlier.sum_);
    // The exact maximum of an interval is unknown; its bucket is not.
    d.max_ = d.total_ ? std::min(highest_in(top), max_) : 0;
    return d;
}

std::uint64_t histogram::percentile(double p) const {
    if (total_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total_)));
    rank = std::clamp<std::uint64_t>(rank, 1, total_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        seen += counts_[i];
        if (seen >= rank) return std::min(highest_in(i), max_);
    }
    return max_;
}

nlohmann::json histogram::to_json() const {
    auto buckets = nlohmann::json::array();
    for (std::size_t i = 0; i < bucket_count; ++i)
        if (counts_[i]) buckets.push_back({i, counts_[i]});
    return {{"total", total_}, {"sum", sum_}, {"max", max_}, {"buckets", std::move(buckets)}};
}

histogram histogram::from_json(nlohmann::json const& j) {
    histogram h;
    for (auto const& b : j.at("buckets")) {
        auto i = b.at(0).get<std::size_t>();
        if (i < bucket_count) h.counts_[i] += b.at(1).get<std::uint64_t>();
    }
    h.total_ = j.at("total").get<std::uint64_t>();
    h.sum_ = j.at("sum").get<std::uint64_t>();
    h.max_ = j.at("max").get<std::uint64_t>();
    return h;
}

atomic_histogram::atomic_histogram()
    : counts_(std::make_unique<std::atomic<std::uint64_t>[]>(histogram::bucket_count)) {
    for (std::size_t i = 0; i < histogram::bucket_count; ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void atomic_histogram::record(std::uint64_t value) {
    bump(counts_[histogram::index_of(value)], 1);
    bump(sum_, value);
    if (value > max_.load(std::memory_order_relaxed)) max_.store(value, std::memory_order_relaxed);
}

histogram atomic_histogram::read() const {
    histogram h;
    std::uint64_t in_buckets = 0;
    for (std::size_t i = 0; i < histogram::bucket_count; ++i) {
        h.counts_[i] = counts_[i].load(std::memory_order_relaxed);
        in_buckets += h.counts_[i];
    }
    h.total_ = in_buckets;
    h.sum_ = sum_.load(std::memory_order_relaxed);
    h.max_ = max_.load(std::memory_order_relaxed);
    return h;
}

}  // namespace webrtc_star::bench
