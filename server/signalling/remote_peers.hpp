// Peers joined on other servers, as their presence announcements tell. Bounded in total and
// per server, and every entry expires unless refreshed, so a crashed server's peers disappear.
// A peer id belongs to the first live server that announced it: another server's presence
// cannot take it over until the holder announces its leave or stops refreshing it (the same
// rule as for local joins). Owned by the hub.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
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

    enum class upsert_result {
        added,       // news: a peer we did not know
        refreshed,   // already held by the same server; its TTL starts again
        conflict,    // held by another live server, which keeps it
        over_quota,  // the server holds its most peers already
        full,        // the table holds its most peers already
    };

    remote_peers(std::size_t capacity, std::size_t per_server) : capacity_(capacity), per_server_(per_server) {}

    entry const* find(std::string const& key) const;
    // Adds or refreshes `key` as held by `server`.
    upsert_result upsert(std::string const& key, std::string const& server, clock::time_point expires);
    // Removes `key` if `server` holds it.
    void erase(std::string const& key, std::string const& server);
    void erase(std::string const& key);
    // Removes every peer `server` holds; returns how many.
    std::size_t erase_server(std::string const& server);
    // Removes expired entries.
    void expire(clock::time_point now);

    std::size_t size() const { return order_.size(); }
    std::size_t held_by(std::string const& server) const;
    std::string const& key_at(std::size_t i) const { return *order_[i]; }

private:
    void insert(std::string const& key, std::string const& server, clock::time_point expires);

    std::size_t capacity_;
    std::size_t per_server_;
    std::unordered_map<std::string, entry> by_key_;
    std::vector<std::string const*> order_;
    std::unordered_map<std::string, std::size_t> per_server_count_;
};

// The refusal metric's label for a result that is one ("" for added and refreshed).
std::string_view refusal_label(remote_peers::upsert_result r);

}  // namespace star::server
