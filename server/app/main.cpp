// webrtc-star-server: wires configuration, logging, the I/O pool, the signalling hub and
// the listener together, then waits for SIGTERM/SIGINT.
#include "config/load_config.hpp"
#include "federation/key_file.hpp"
#include "healthcheck.hpp"
#include "logging.hpp"
#include "server.hpp"
#include "version.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

extern char** environ;

namespace {

namespace fed = star::protocol::federation;

// --federation-keygen: the public key alone on the last line, for scripts to pick up.
int write_federation_key(std::string const& path) {
    try {
        auto key = star::server::federation::write_new_key_file(path);
        std::cout << "webrtc-star-server: wrote a new federation key to " << path << "; its public key (the "
                  << "server's federation id, for other servers' trust lists):\n"
                  << fed::to_text(fed::public_of(key)) << '\n';
        return 0;
    } catch (std::exception const& e) {
        std::fprintf(stderr, "webrtc-star-server: %s\n", e.what());
        return 2;
    }
}

// Creates the key on first start, and refuses to start with one others can read, before anything
// listens.
bool check_federation_key(std::string const& path) {
    try {
        auto key = star::server::federation::load_or_create_key_file(path);
        spdlog::info("federation key {}: public key {}", path, fed::to_text(fed::public_of(key)));
        return true;
    } catch (std::exception const& e) {
        std::fprintf(stderr, "webrtc-star-server: %s\n", e.what());
        return false;
    }
}

}  // namespace

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
    if (cfg.federation_keygen) return write_federation_key(cfg.federation_key_file);
    setup_logging(cfg.log_level, cfg.log_format);
    if (!cfg.federation_key_file.empty() && !check_federation_key(cfg.federation_key_file)) return 2;
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
