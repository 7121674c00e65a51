#pragma once

#include "config/config.hpp"
#include "transport/tls_context.hpp"

#include <memory>

namespace star::server {

// Runs the daemon until SIGTERM or SIGINT; SIGHUP reloads the TLS certificate. Returns the
// process exit code. Throws on start-up failures (address in use, bad host).
int run_server(config const& cfg, std::shared_ptr<tls_context> tls);

}  // namespace star::server
