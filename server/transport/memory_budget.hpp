// One budget for every byte the server buffers on behalf of clients: partial WebSocket frames
// being received, frames queued to a client, pending TLS handshakes. Without it each of
// --max-connections clients may hold a nearly complete 1 MB frame or several MiB of queued
// sends (measured: 1,500 such clients took RSS to 1.4 GiB). Accounting is one relaxed atomic
// add per change; when the budget is spent, the connections holding the most are shed as they
// ask for more, and well-behaved ones (holding a few KiB at most) are left alone.
// Owned by server_context; shared by every I/O thread.
#pragma once

#include "metrics/metrics.hpp"

#include <atomic>
#include <cstddef>

namespace star::server {

class memory_budget {
public:
    // `limit` 0: no budget (accounting only).
    memory_budget(std::size_t limit, metrics& m) : limit_(limit), metrics_(m) {}

    void charge(std::size_t bytes) {
        metrics_.buffered_bytes.fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
    }
    void release(std::size_t bytes) {
        metrics_.buffered_bytes.fetch_sub(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
    }
    std::size_t held() const;
    bool spent() const { return limit_ != 0 && held() >= limit_; }

    // True when the budget is spent and a holder of `bytes` holds more than its share of it:
    // the limit divided among the holders, and never less than `min_shed_bytes`.
    bool should_shed(std::size_t bytes) const;
    // Counts a shed connection and logs it, at most once a second.
    void note_shed(std::uint64_t connection, std::size_t bytes, char const* what);

    void add_holder() { holders_.fetch_add(1, std::memory_order_relaxed); }
    void remove_holder() { holders_.fetch_sub(1, std::memory_order_relaxed); }

    static constexpr std::size_t min_shed_bytes = 16 * 1024;

private:
    std::size_t limit_;
    metrics& metrics_;
    std::atomic<std::size_t> holders_{0};
    std::atomic<std::int64_t> last_log_ms_{0};
    std::atomic<std::uint64_t> unlogged_{0};
};

// One connection's part of the budget: what it holds now, charged and released as it changes.
class budget_share {
public:
    explicit budget_share(memory_budget& budget) : budget_(budget) { budget_.add_holder(); }
    budget_share(budget_share const&) = delete;
    budget_share& operator=(budget_share const&) = delete;
    ~budget_share() {
        budget_.release(held_);
        budget_.remove_holder();
    }

    // Records that the connection now holds `bytes`. True when it has grown and must be shed.
    bool update(std::size_t bytes) {
        std::size_t before = held_;
        held_ = bytes;
        if (bytes > before) {
            budget_.charge(bytes - before);
            return budget_.should_shed(bytes);
        }
        budget_.release(before - bytes);
        return false;
    }
    std::size_t held() const { return held_; }

private:
    memory_budget& budget_;
    std::size_t held_ = 0;
};

}  // namespace star::server
