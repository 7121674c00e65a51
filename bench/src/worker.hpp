#pragma once
// Both ends of the coordinator <-> worker line protocol. A worker is this
// binary run with --worker-index; it owns the clients whose index % workers
// equals its index. Worker stdout carries one JSON line per message:
//   {"type":"tick",...} {"type":"setup",...} {"type":"phase",...}
// and its stdin receives "phase <rate> <seconds>" and "quit".

#include <boost/asio/ip/tcp.hpp>

#include "options.hpp"
#include "server_probe.hpp"

namespace webrtc_star::bench {

// Runs a worker process to the end; returns its exit status.
int run_worker(options const& cfg, server_addresses server);

}  // namespace webrtc_star::bench
