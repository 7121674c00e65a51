// Peers joined on other servers, as their presence announcements tell. Bounded, and every
// entry expires unless refreshed, so a crashed server's peers disappear. Owned by the hub.
#pragma once

#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

namespace star::server {

class remote_peers {
public:
    using clock = std::chrono::steady_clock;

    struct entry {
        std::string server;
        clock::time_point expires;
        std::size_t index = 0;  // position in the rotation
    };

    explicit remote_peers(std::size_t capacity) : capacity_(capacity) {}

    entry const* find(std::string const& key) const;
    // Adds or refreshes `key` as held by `server`. Returns false when it was already known
    // (held by the same server), or when the table is full.
    bool upsert(std::string const& key, std::string const& server, clock::time_point expires);
    // Removes `key` if `server` holds it.
    void erase(std::string const& key, std::string const& server);
    void erase(std::string const& key);
    // Removes expired entries.
    void expire(clock::time_point now);

    std::size_t size() const { return order_.size(); }
    std::string const& key_at(std::size_t i) const { return *order_[i]; }

private:
    std::size_t capacity_;
    std::unordered_map<std::string, entry> by_key_;
    std::vector<std::string const*> order_;
};

}  // namespace star::server
