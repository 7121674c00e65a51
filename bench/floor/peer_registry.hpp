#pragma once
// Peer id -> session, the floor server's only shared state. Lookups copy a
// weak_ptr out under the lock; nothing is sent while the lock is held.

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace webrtc_star::floor {

class session;

class peer_registry {
public:
    // Returns the sessions already joined (to announce the newcomer to).
    std::vector<std::weak_ptr<session>> join(std::string peer_id, std::weak_ptr<session> s);
    void leave(std::string const& peer_id, session const* s);
    std::shared_ptr<session> find(std::string_view peer_id);
    std::size_t size();

private:
    std::mutex mutex_;
    std::unordered_map<std::string, std::weak_ptr<session>> peers_;
};

}  // namespace webrtc_star::floor
