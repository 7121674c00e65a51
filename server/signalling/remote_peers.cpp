#include "signalling/remote_peers.hpp"

namespace star::server {

remote_peers::entry const* remote_peers::find(std::string const& key) const {
    auto it = by_key_.find(key);
    return it == by_key_.end() ? nullptr : &it->second;
}

std::size_t remote_peers::held_by(std::string const& server) const {
    auto it = per_server_count_.find(server);
    return it == per_server_count_.end() ? 0 : it->second;
}

remote_peers::upsert_result remote_peers::upsert(std::string const& key, std::string const& server,
                                                 clock::time_point expires) {
    auto it = by_key_.find(key);
    if (it != by_key_.end()) {
        if (it->second.server == server) {
            it->second.expires = expires;
            return upsert_result::refreshed;
        }
        // The holder's presence has lapsed but the once-a-second sweep has not run yet.
        if (it->second.expires > clock::now()) return upsert_result::conflict;
        erase(key);
    }
    if (held_by(server) >= per_server_) return upsert_result::over_quota;
    if (order_.size() >= capacity_) return upsert_result::full;
    insert(key, server, expires);
    return upsert_result::added;
}

void remote_peers::insert(std::string const& key, std::string const& server, clock::time_point expires) {
    auto [node, inserted] = by_key_.emplace(key, entry{server, expires, order_.size()});
    order_.push_back(&node->first);
    ++per_server_count_[server];
}

void remote_peers::erase(std::string const& key, std::string const& server) {
    auto it = by_key_.find(key);
    if (it != by_key_.end() && it->second.server == server) erase(key);
}

void remote_peers::erase(std::string const& key) {
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return;
    auto count = per_server_count_.find(it->second.server);
    if (--count->second == 0) per_server_count_.erase(count);
    std::size_t i = it->second.index;
    order_[i] = order_.back();
    by_key_.find(*order_[i])->second.index = i;
    order_.pop_back();
    by_key_.erase(it);
}

std::size_t remote_peers::erase_server(std::string const& server) {
    std::vector<std::string> gone;
    for (auto const& [key, e] : by_key_)
        if (e.server == server) gone.push_back(key);
    for (auto const& key : gone) erase(key);
    return gone.size();
}

void remote_peers::expire(clock::time_point now) {
    std::vector<std::string> gone;
    for (auto const& [key, e] : by_key_)
        if (e.expires <= now) gone.push_back(key);
    for (auto const& key : gone) erase(key);
}

std::string_view refusal_label(remote_peers::upsert_result r) {
    switch (r) {
        case remote_peers::upsert_result::added:
        case remote_peers::upsert_result::refreshed:
            return {};
        case remote_peers::upsert_result::conflict:
            return "conflict";
        case remote_peers::upsert_result::over_quota:
            return "over_quota";
        case remote_peers::upsert_result::full:
            return "remote_table_full";
    }
    return {};
}

}  // namespace star::server
