// Every open client session, so that shutdown can close them all. The lock is taken when a
// session opens or closes and at shutdown, never on the message path.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace star::server {

class session_base;

class session_registry {
public:
    std::uint64_t next_id() { return ++last_id_; }
    void add(std::uint64_t id, std::weak_ptr<session_base> s);
    void remove(std::uint64_t id);
    std::size_t size() const;
    // Calls f on every live session, outside the lock.
    void for_each(std::function<void(session_base&)> const& f) const;

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::uint64_t, std::weak_ptr<session_base>> sessions_;
    std::atomic<std::uint64_t> last_id_{0};
};

}  // namespace star::server
