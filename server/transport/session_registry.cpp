#include "transport/session_registry.hpp"

#include "transport/session_base.hpp"

#include <vector>

namespace star::server {

void session_registry::add(std::uint64_t id, std::weak_ptr<session_base> s) {
    std::lock_guard lock(mutex_);
    sessions_.emplace(id, std::move(s));
}

void session_registry::remove(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    sessions_.erase(id);
}

std::size_t session_registry::size() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

void session_registry::for_each(std::function<void(session_base&)> const& f) const {
    std::vector<std::weak_ptr<session_base>> copy;
    {
        std::lock_guard lock(mutex_);
        copy.reserve(sessions_.size());
        for (auto const& [id, s] : sessions_) copy.push_back(s);
    }
    for (auto const& w : copy)
        if (auto s = w.lock()) f(*s);
}

}  // namespace star::server
