#pragma once
// Resolves the server and tries one TCP connection before any load, so an
// unreachable server gets one clear message instead of N connect errors.

#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace webrtc_star::bench {

struct options;

// Throws std::runtime_error naming the host, port and reason.
boost::asio::ip::tcp::endpoint probe_server(options const& cfg);

// Raises the open-file limit as far as allowed; returns the soft limit.
std::size_t raise_open_file_limit();

} // namespace webrtc_star::bench
