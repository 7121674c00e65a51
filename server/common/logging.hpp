#pragma once

#include <string>

namespace star::server {

// Creates the named loggers (main, transport, signalling, http) on stderr at `level`, writing
// `format`: "text" (a line for a terminal), "json" (an object a line, README "Logs") or "auto"
// (text when stderr is a terminal, else JSON). Call it once, before any other thread starts:
// logger_for (logger.hpp) then reads them without a lock.
void setup_logging(std::string const& level, std::string const& format = "text");

}  // namespace star::server
