#pragma once

#include <string>

namespace star::server {

// Creates the named loggers (main, transport, signalling, http) on stderr at `level`. Call it
// once, before any other thread starts: logger_for (logger.hpp) then reads them without a lock.
void setup_logging(std::string const& level);

}  // namespace star::server
