#pragma once

#include "config/config.hpp"
#include "metrics/metrics.hpp"

#include <string>

namespace star::server {

// A small human-readable page at "/": what this is, how to connect, what it is doing.
std::string status_page(config const& cfg, metrics const& stats);

}  // namespace star::server
