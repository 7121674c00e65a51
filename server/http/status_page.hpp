#pragma once

#include "config/config.hpp"
#include "metrics/metrics.hpp"

#include <optional>
#include <string>

namespace star::server {

// The page at "/": what this is, how to connect, and what it is doing, readable at a glance without
// Prometheus: peers and connections, joins and dials (totals, the average rate since start, the
// share that failed), drops and refusals by reason (only reasons that happened), the memory budget,
// and the federation's state (`degraded` is /readyz's reason, when not ready).
std::string status_page(config const& cfg, metrics const& m, std::optional<std::string> const& degraded = {});

}  // namespace star::server
