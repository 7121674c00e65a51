// The long-polling transports by their session's Engine.IO sid, so that a request (or the WebSocket of an
// upgrade) on any connection finds its session. The lock is held for a map operation only;
// it is taken once per polling request and never on the WebSocket path.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace star::server {

class polling_transport;

class polling_registry {
public:
    void add(std::string const& sid, std::weak_ptr<polling_transport> s);
    void remove(std::string const& sid);
    std::shared_ptr<polling_transport> find(std::string const& sid) const;

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::weak_ptr<polling_transport>> sessions_;
};

}  // namespace star::server
