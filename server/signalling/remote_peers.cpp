#include "signalling/remote_peers.hpp"

namespace star::server {

remote_peers::entry const* remote_peers::find(std::string const& key) const {
    auto it = by_key_.find(key);
    return it == by_key_.end() ? nullptr : &it->second;
}

bool remote_peers::upsert(std::string const& key, std::string const& server, clock::time_point expires) {
    auto it = by_key_.find(key);
    if (it != by_key_.end()) {
        bool moved = it->second.server != server;
        it->second.server = server;
        it->second.expires = expires;
        return moved;
    }
    if (order_.size() >= capacity_) return false;
    auto [node, inserted] = by_key_.emplace(key, entry{server, expires, order_.size()});
    order_.push_back(&node->first);
    return true;
}

void remote_peers::erase(std::string const& key, std::string const& server) {
    auto it = by_key_.find(key);
    if (it != by_key_.end() && it->second.server == server) erase(key);
}

void remote_peers::erase(std::string const& key) {
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return;
    std::size_t i = it->second.index;
    order_[i] = order_.back();
    by_key_.find(*order_[i])->second.index = i;
    order_.pop_back();
    by_key_.erase(it);
}

void remote_peers::expire(clock::time_point now) {
    std::vector<std::string> gone;
    for (auto const& [key, e] : by_key_)
        if (e.expires <= now) gone.push_back(key);
    for (auto const& key : gone) erase(key);
}

}  // namespace star::server
