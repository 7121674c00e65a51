#include "peer_registry.hpp"

#include "session.hpp"

namespace webrtc_star::floor {

std::vector<std::weak_ptr<session>> peer_registry::join(std::string peer_id, std::weak_ptr<session> s) {
    std::lock_guard lock(mutex_);
    std::vector<std::weak_ptr<session>> others;
    others.reserve(peers_.size());
    for (auto const& [id, p] : peers_)
        if (id != peer_id) others.push_back(p);
    peers_[std::move(peer_id)] = std::move(s);
    return others;
}

void peer_registry::leave(std::string const& peer_id, session const* s) {
    std::lock_guard lock(mutex_);
    auto it = peers_.find(peer_id);
    if (it == peers_.end()) return;
    auto current = it->second.lock();
    if (!current || current.get() == s) peers_.erase(it);
}

std::shared_ptr<session> peer_registry::find(std::string_view peer_id) {
    std::lock_guard lock(mutex_);
    auto it = peers_.find(std::string(peer_id));
    return it == peers_.end() ? nullptr : it->second.lock();
}

std::size_t peer_registry::size() {
    std::lock_guard lock(mutex_);
    return peers_.size();
}

}  // namespace webrtc_star::floor
