#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string_view>

namespace star::server {

// The named logger of a layer ("main", "transport", "signalling", "http"), or the default one when
// logging was not set up (unit tests) or the name is not one of those. Looked up without a lock:
// spdlog::get takes the registry's mutex on every call, even with the level off, and the hub logs
// under its own lock. The loggers are created once, by setup_logging, before any other thread runs.
std::shared_ptr<spdlog::logger> const& logger_for(std::string_view name);

}  // namespace star::server
