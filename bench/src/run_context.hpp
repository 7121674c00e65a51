#pragma once
// Read-only facts every shard and client of one process shares. Built before
// any thread starts and never changed afterwards.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "messages.hpp"
#include "options.hpp"

namespace webrtc_star::bench {

struct run_context {
    run_context(options const& o, boost::asio::ip::tcp::endpoint server);

    options const& cfg;
    boost::asio::ip::tcp::endpoint server;
    std::vector<boost::asio::ip::address> sources;
    std::string host_header;
    // Multiaddr of every joining client, by global index (all processes).
    std::vector<std::string> joined_addrs;
    message_factory messages;
    std::chrono::steady_clock::time_point epoch = std::chrono::steady_clock::now();

    std::uint64_t now_us() const
    {
        return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::steady_clock::now() - epoch)
                                              .count());
    }
};

} // namespace webrtc_star::bench
