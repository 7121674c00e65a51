#pragma once

#include <string>

namespace star::server {

// Creates the named loggers (main, transport, signalling, http) on stderr at `level`.
void setup_logging(std::string const& level);

}  // namespace star::server
