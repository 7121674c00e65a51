// Where signalling state is shared beyond this process. The hub owns the interface; a
// backend is chosen at start-up (backends/make_backend.cpp) and nothing else knows which.
//   memory: this process alone (the default).
//   waku:   servers federate over Waku relay through a co-located nwaku node.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace star::server {

enum class presence_change { snapshot, joined, left };

// A handshake message crossing servers. Peer ids are canonical (base58btc) keys.
struct remote_signal {
    std::string server;  // the other server: where it goes, or where it came from
    std::string src, dst, intent;
    bool answer = false;
    bool unavailable = false;  // "dst is not on the server it was sent to"
    std::string payload;       // the client's ss-handshake object, byte for byte
};

// What a backend reports. Implemented by the hub; callable from any thread holding none of the
// backend's locks (each call takes the hub's lock).
class backend_events {
public:
    virtual ~backend_events() = default;
    virtual void remote_presence(std::string server, std::vector<std::string> peer_ids, presence_change change) = 0;
    virtual void remote_signal(remote_signal signal) = 0;
    // The server is no longer believed (its key left the trust list): every peer it holds goes now.
    virtual void remote_server_gone(std::string server) = 0;
};

class backend {
public:
    virtual ~backend() = default;
    virtual char const* name() const = 0;
    // False for the memory backend: the hub then skips all federation work.
    virtual bool federated() const = 0;
    virtual std::string const& server_id() const = 0;

    virtual void start(backend_events& events) = 0;
    virtual void stop() = 0;

    // Called under the hub's lock, from whichever thread holds it: must return at once (queue,
    // never block) and never call back into the hub (docs/ARCHITECTURE.md, "The hub's one lock").
    virtual void announce(presence_change change, std::vector<std::string> peer_ids) = 0;
    virtual void send(remote_signal signal) = 0;

    // Why the backend cannot do its job right now, for /readyz; nullopt when healthy.
    virtual std::optional<std::string> degraded() const = 0;

    // SIGHUP: re-reads what the operator may change while running (the waku backend's trust list),
    // and logs what came of it. Called from the signal thread.
    virtual void reload() {}
};

}  // namespace star::server
