#include "backends/make_backend.hpp"

#include "backends/memory_backend.hpp"
#include "backends/redis/redis_engine.hpp"
#include "backends/waku/waku_engine.hpp"
#include "federation/key_file.hpp"
#include "random_id.hpp"

namespace star::server {

namespace {

// --server-id, or a random one: what the memory and Redis backends call this server.
std::string chosen_server_id(config const& cfg) {
    return cfg.server_id.empty() ? random_id().substr(0, 16) : cfg.server_id;
}

}  // namespace

std::unique_ptr<backend> make_backend(config const& cfg, metrics& m) {
    // Both federate through the one federation shell (backends/shell/), each with its engine below it.
    if (cfg.backend == "redis") return redis::make_redis_backend(cfg, m, chosen_server_id(cfg));
    // A federated server's id over Waku is its public key's (protocol/federation_keys.hpp).
    if (cfg.backend == "waku")
        return waku::make_waku_backend(cfg, m, federation::load_or_create_key_file(cfg.federation_key_file));
    return std::make_unique<memory_backend>(chosen_server_id(cfg));
}

}  // namespace star::server
