#include "logging.hpp"

#include "log_json.hpp"
#include "logger.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>
#include <array>

namespace star::server {

namespace {

struct named_logger {
    std::string_view name;
    std::shared_ptr<spdlog::logger> logger;  // set once by setup_logging, read-only afterwards
};

std::array<named_logger, 4> loggers{{{"main", {}}, {"transport", {}}, {"signalling", {}}, {"http", {}}}};

}  // namespace

void setup_logging(std::string const& level, std::string const& format) {
    bool json = format == "json" || (format == "auto" && !::isatty(STDERR_FILENO));
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>(json ? spdlog::color_mode::never
                                                                           : spdlog::color_mode::automatic);
    auto lvl = spdlog::level::from_str(level);
    for (auto& named : loggers) {
        auto logger = std::make_shared<spdlog::logger>(std::string(named.name), sink);
        logger->set_level(lvl);
        if (json) logger->set_formatter(std::make_unique<json_log_formatter>());
        else logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v");
        spdlog::register_logger(logger);
        named.logger = std::move(logger);
    }
    spdlog::set_default_logger(loggers.front().logger);
}

std::shared_ptr<spdlog::logger> const& logger_for(std::string_view name) {
    for (auto const& named : loggers)
        if (named.name == name && named.logger) return named.logger;
    // Not set up: the default logger, looked up once (thread-safe initialisation).
    static std::shared_ptr<spdlog::logger> const fallback = spdlog::default_logger();
    return fallback;
}

}  // namespace star::server
