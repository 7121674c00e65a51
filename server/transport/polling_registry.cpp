#include "transport/polling_registry.hpp"

#include "transport/polling_transport.hpp"

namespace star::server {

void polling_registry::add(std::string const& sid, std::weak_ptr<polling_transport> s) {
    std::lock_guard lock(mutex_);
    sessions_[sid] = std::move(s);
}

void polling_registry::remove(std::string const& sid) {
    std::lock_guard lock(mutex_);
    sessions_.erase(sid);
}

std::shared_ptr<polling_transport> polling_registry::find(std::string const& sid) const {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(sid);
    return it == sessions_.end() ? nullptr : it->second.lock();
}

}  // namespace star::server
