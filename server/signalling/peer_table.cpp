#include "signalling/peer_table.hpp"

namespace star::server {

peer* peer_table::find(std::string const& key) {
    auto it = by_key_.find(key);
    return it == by_key_.end() ? nullptr : &it->second;
}

peer* peer_table::find_by_link(std::uint64_t link_id) {
    auto it = by_link_.find(link_id);
    return it == by_link_.end() ? nullptr : it->second;
}

peer& peer_table::insert(link_ptr link, protocol::star_address address) {
    std::string key = address.key;
    std::uint64_t link_id = link->id();
    auto [it, inserted] = by_key_.emplace(
        std::move(key), peer{std::move(link), std::move(address), {}, 0, 0, {}, 0, receiver_share{}, {}});
    peer& p = it->second;
    by_link_.emplace(link_id, &p);
    p.order_index = order_.size();
    order_.push_back({&p, {}});
    return p;
}

void peer_table::erase(std::string const& key) {
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return;
    peer& p = it->second;
    std::size_t i = p.order_index;
    if (i + 1 != order_.size()) {
        order_[i] = std::move(order_.back());
        order_[i].p->order_index = i;
    }
    order_.pop_back();
    by_link_.erase(p.link->id());
    by_key_.erase(it);
}

}  // namespace star::server
