// The default backend: this process alone. Every federation call is a no-op.
#pragma once

#include "signalling/backend.hpp"

namespace star::server {

class memory_backend : public backend {
public:
    explicit memory_backend(std::string server_id) : server_id_(std::move(server_id)) {}
    char const* name() const override { return "memory"; }
    bool federated() const override { return false; }
    std::string const& server_id() const override { return server_id_; }
    void start(backend_events&) override {}
    void stop() override {}
    void announce(presence_change, std::vector<std::string>) override {}
    void send(remote_signal) override {}
    std::optional<std::string> degraded() const override { return std::nullopt; }

private:
    std::string server_id_;
};

}  // namespace star::server
