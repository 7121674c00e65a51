#include "logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace star::server {

void setup_logging(std::string const& level) {
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    auto lvl = spdlog::level::from_str(level);
    for (char const* name : {"main", "transport", "signalling", "http"}) {
        auto logger = std::make_shared<spdlog::logger>(name, sink);
        logger->set_level(lvl);
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v");
        spdlog::register_logger(logger);
    }
    spdlog::set_default_logger(spdlog::get("main"));
}

}  // namespace star::server
