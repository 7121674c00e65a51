#pragma once

#include <spdlog/spdlog.h>

#include <memory>

namespace star::server {

// The named logger of a layer ("transport", "signalling", ...), or the default one when
// logging was not set up (unit tests).
inline std::shared_ptr<spdlog::logger> logger_for(char const* name) {
    auto logger = spdlog::get(name);
    return logger ? logger : spdlog::default_logger();
}

}  // namespace star::server
