// Builds the config from defaults < config file < environment < command line.
#pragma once

#include "config/config.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace star::server {

// A setting was given a value it cannot take, or an unknown one was named.
struct config_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct load_result {
    config cfg;
    bool help_requested = false;
    std::string help;                // usage text, when help was requested
    bool version_requested = false;  // --version: print it and exit, whatever else was given
};

// Throws config_error with a message that names the offending flag, variable or key.
load_result load_config(std::vector<std::string> const& args, char const* const* envp);

}  // namespace star::server
