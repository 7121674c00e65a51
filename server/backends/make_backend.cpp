#include "backends/make_backend.hpp"

#include "backends/memory_backend.hpp"
#include "backends/redis/redis_backend.hpp"
#include "backends/waku/waku_backend.hpp"
#include "random_id.hpp"

namespace star::server {

std::unique_ptr<backend> make_backend(config const& cfg, metrics& m) {
    std::string id = cfg.server_id.empty() ? random_id().substr(0, 16) : cfg.server_id;
    if (cfg.backend == "redis") return std::make_unique<redis::redis_backend>(cfg, m, id);
    if (cfg.backend == "waku") return std::make_unique<waku::waku_backend>(cfg, m, id);
    return std::make_unique<memory_backend>(id);
}

}  // namespace star::server
