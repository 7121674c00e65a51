// What every connection needs to reach: settings, counters, the hub, the live-session
// registry. Owned by main; outlives every connection.
#pragma once

#include "config/config.hpp"
#include "metrics/metrics.hpp"
#include "signalling/backend.hpp"
#include "signalling/signalling_hub.hpp"
#include "transport/client_gate.hpp"
#include "transport/memory_budget.hpp"
#include "transport/polling_registry.hpp"
#include "transport/session_registry.hpp"

#include <atomic>
#include <cstddef>

namespace star::server {

struct server_context {
    config const& cfg;
    server::metrics& metrics;  // the process's one set of counters
    signalling_hub& hub;
    backend const& active_backend;  // memory or waku (--backend); its degraded() is /readyz's answer
    session_registry& sessions;
    std::atomic<std::size_t> open_sockets{0};  // HTTP, WebSocket and polling sessions, against --max-connections
    polling_registry polling{};
    memory_budget budget{cfg.memory_budget, metrics};  // bytes buffered for clients, against --memory-budget
    client_gate gate{cfg, metrics};  // client addresses, lists, origins, per-address limits (thread-safe)
};

// Holds one unit of server_context::open_sockets, and of its address's sockets in client_gate,
// for as long as a connection lives.
class socket_slot {
public:
    socket_slot(server_context& ctx, admission::address_limits::slot address)
        : ctx_(&ctx), address_(std::move(address)) {
        ctx_->open_sockets.fetch_add(1);
    }
    socket_slot(socket_slot&& o) noexcept : ctx_(o.ctx_), address_(std::move(o.address_)) { o.ctx_ = nullptr; }
    socket_slot& operator=(socket_slot&&) = delete;
    socket_slot(socket_slot const&) = delete;
    ~socket_slot() {
        if (ctx_) ctx_->open_sockets.fetch_sub(1);
    }

private:
    server_context* ctx_;
    admission::address_limits::slot address_;
};

}  // namespace star::server
