#pragma once

#include "config/config.hpp"
#include "metrics/metrics.hpp"
#include "signalling/backend.hpp"

#include <memory>

namespace star::server {

// The backend --backend names. The only place that knows which backends exist.
std::unique_ptr<backend> make_backend(config const& cfg, metrics& m);

}  // namespace star::server
