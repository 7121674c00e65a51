#pragma once
// Resolves every --url's host (all its addresses), refuses addresses outside
// loopback unless the operator owns the target, and tries one TCP connection
// per server before any load, so an unreachable server gets one clear message
// instead of N connect errors.

#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

namespace webrtc_star::bench {

struct options;

// Addresses of each target, in --url order; clients of a target take them round-robin.
using server_addresses = std::vector<std::vector<boost::asio::ip::tcp::endpoint>>;

// Throws std::runtime_error naming the host, port and reason; a refused
// non-loopback target throws target_refused.
server_addresses probe_servers(options const& cfg);

struct target_refused : std::runtime_error {
    using std::runtime_error::runtime_error;
};

bool is_loopback(boost::asio::ip::address const& a);

// Raises the open-file limit as far as allowed; returns the soft limit.
std::size_t raise_open_file_limit();

}  // namespace webrtc_star::bench
