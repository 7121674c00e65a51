#pragma once
// Read-only facts every shard and client of one process shares. Built before
// any thread starts and never changed afterwards.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "messages.hpp"
#include "options.hpp"
#include "server_probe.hpp"
#include "tls_session.hpp"

namespace webrtc_star::bench {

struct run_context {
    run_context(options const& o, server_addresses servers);

    // What client `index` connects to: its target's addresses taken round-robin.
    boost::asio::ip::tcp::endpoint const& endpoint_of(std::uint64_t index) const {
        auto const& addrs = servers[cfg.server_of(index)];
        return addrs[(index / servers.size()) % addrs.size()];
    }
    std::string const& request_target_of(std::uint64_t index) const {
        return request_targets[cfg.server_of(index)][cfg.eio_of(index) == 3 ? 0 : 1];
    }

    options const& cfg;
    server_addresses servers;
    std::vector<boost::asio::ip::address> sources;
    std::vector<std::string> host_headers;                    // by target
    std::vector<std::array<std::string, 2>> request_targets;  // by target: EIO 3, EIO 4
    std::unique_ptr<tls_config> tls;                          // when a target is wss://
    // Multiaddr of every joining client, by global index (all processes).
    std::vector<std::string> joined_addrs;
    message_factory messages;
    std::chrono::steady_clock::time_point epoch = std::chrono::steady_clock::now();

    std::uint64_t now_us() const {
        return static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - epoch).count());
    }
};

}  // namespace webrtc_star::bench
