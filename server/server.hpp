#pragma once

#include "config/config.hpp"

namespace star::server {

// Runs the daemon until SIGTERM or SIGINT; returns the process exit code.
// Throws on start-up failures (address in use, bad host).
int run_server(config const& cfg);

}  // namespace star::server
