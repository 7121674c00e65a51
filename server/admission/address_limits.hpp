// Per client address (its aggregation key): how many sockets and sessions are open, and how many
// new sessions and joins it made in the current interval. One table for every transport; a mutex
// guards it (taken per session open, close and join, never around I/O). Bounded: at most
// `max_addresses` entries; when full, entries with nothing open are forgotten (their counts
// in the current interval with them), idle ones first.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace star::server::admission {

struct address_limit_settings {
    std::size_t connections = 0;  // open sessions per address; 0: no limit
    unsigned sessions = 0;        // new sessions per address per interval; 0: no limit
    unsigned joins = 0;           // ss-join per address per interval; 0: no limit
    std::chrono::milliseconds interval{10'000};
    std::size_t max_addresses = 200'000;
    std::size_t sockets = 0;  // open TCP connections per address, sessions or not; 0: no limit
};

enum class refusal { none, sockets, connections, sessions, joins, table_full };

class address_limits {
public:
    using clock = std::chrono::steady_clock;
    struct entry;

    // One open socket or session of an address; gives it back when destroyed. Move-only.
    class slot {
    public:
        slot() = default;
        slot(slot&& o) noexcept
            : owner_(std::exchange(o.owner_, nullptr)), key_(std::move(o.key_)), counter_(o.counter_) {}
        slot& operator=(slot&& o) noexcept;
        ~slot();
        bool held() const { return owner_ != nullptr; }

    private:
        friend class address_limits;
        slot(address_limits* owner, std::string key, std::size_t entry::*counter)
            : owner_(owner), key_(std::move(key)), counter_(counter) {}
        address_limits* owner_ = nullptr;
        std::string key_;
        std::size_t entry::*counter_ = nullptr;  // what it holds one of: sockets or sessions
    };

    explicit address_limits(address_limit_settings s) : settings_(s) {}

    // A new TCP connection from `key` (not from a trusted proxy): its slot, or why not. Counted
    // before any byte is read, so that one address cannot hold the process's file descriptors.
    refusal admit_socket(std::string const& key, clock::time_point now, slot& out);
    // A new session from `key`: its slot, or why not.
    refusal admit_session(std::string const& key, clock::time_point now, slot& out);
    bool allow_join(std::string const& key, clock::time_point now);
    std::size_t size() const;
    std::size_t open(std::string const& key) const;
    std::size_t sockets(std::string const& key) const;

private:
    struct window {
        clock::time_point start{};
        unsigned count = 0;
        bool take(unsigned limit, clock::time_point now, std::chrono::milliseconds interval);
    };

public:
    struct entry {  // public only so that a slot can name its counter
        std::size_t sockets = 0;
        std::size_t open = 0;
        window sessions, joins;
        clock::time_point last{};
    };

private:
    entry* find_or_make(std::string const& key, clock::time_point now);
    void forget_some(clock::time_point now);
    void release(std::string const& key, std::size_t entry::*counter);

    address_limit_settings settings_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, entry> table_;  // guarded by mutex_
};

}  // namespace star::server::admission
