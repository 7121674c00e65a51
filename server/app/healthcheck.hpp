#pragma once

#include "config/config.hpp"

namespace star::server {

// GETs /healthz from the server `cfg` describes (on loopback when it listens on all
// addresses; over TLS without verification when it has a certificate). Returns the exit
// code: 0 healthy, 1 not. For container HEALTHCHECKs, which should not need curl.
int run_healthcheck(config const& cfg);

}  // namespace star::server
