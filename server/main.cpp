// webrtc-star-server: wires configuration, logging, the I/O pool, the signalling hub and
// the listener together, then waits for SIGTERM/SIGINT.
#include "config/load_config.hpp"
#include "healthcheck.hpp"
#include "logging.hpp"
#include "server.hpp"
#include "version.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

extern char** environ;

int main(int argc, char** argv) {
    using namespace star::server;
    load_result loaded;
    try {
        loaded = load_config(std::vector<std::string>(argv + 1, argv + argc), environ);
    } catch (config_error const& e) {
        std::fprintf(stderr, "webrtc-star-server: %s\nRun with --help for usage.\n", e.what());
        return 2;
    }
    if (loaded.help_requested) {
        std::cout << loaded.help;
        return 0;
    }
    if (loaded.version_requested) {
        std::cout << "webrtc-star-server " << version_text() << '\n';
        return 0;
    }
    auto const& cfg = loaded.cfg;
    if (cfg.healthcheck) return run_healthcheck(cfg);
    setup_logging(cfg.log_level);
    std::shared_ptr<tls_context> tls;
    if (!cfg.tls_cert.empty()) {
        try {
            tls = std::make_shared<tls_context>(cfg.tls_cert, cfg.tls_key);
        } catch (std::exception const& e) {
            std::fprintf(stderr, "webrtc-star-server: %s\n", e.what());
            return 2;
        }
    }
    try {
        return run_server(cfg, tls);
    } catch (std::exception const& e) {
        spdlog::critical("{}", e.what());
        return 1;
    }
}
