// Redis Sentinel, as a client sees it: ask the Sentinels in turn where the master named
// --redis-master-name is (SENTINEL get-master-addr-by-name), then stay subscribed to +switch-master
// on the Sentinel that answered, so that a failover is known the moment Sentinel decides it. When
// that Sentinel goes, the next one is asked and watched; the master's connections are untouched.
//
// Used by redis_engine on its thread, for the engine's lifetime: find() again for every connection
// attempt (it closes what the last one opened).
#pragma once

#include "backends/redis/redis_link.hpp"
#include "config/redis_url.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace star::server::redis {

struct sentinel_settings {
    std::vector<redis_endpoint> sentinels;
    std::string master_name;
    std::vector<std::string> auth;                   // the AUTH command, or empty
    std::shared_ptr<boost::asio::ssl::context> tls;  // rediss://: the Sentinels speak TLS too
    std::string tls_server_name;
};

class sentinel_client {
public:
    // The master's address, or (master empty) why no Sentinel could say.
    using found_handler = std::function<void(redis_endpoint master, std::string error)>;
    // After found: the master moved: the reason to reconnect. (The watched Sentinel going is not
    // one: the next Sentinel is asked and watched.)
    using change_handler = std::function<void(std::string reason)>;

    sentinel_client(boost::asio::any_io_executor ex, sentinel_settings const& settings);
    ~sentinel_client() { close(); }

    void find(found_handler found, change_handler changed);
    void close();

private:
    void ask(std::size_t index, std::string errors);
    void on_answer(std::size_t index, redisReply* r, std::string errors);
    void on_message(redisReply* r);
    void stop_watching(std::string const& why);

    boost::asio::any_io_executor ex_;
    sentinel_settings const& settings_;
    std::shared_ptr<redis_link> link_;
    found_handler found_;
    change_handler changed_;
    redis_endpoint master_;
    std::uint64_t attempt_ = 0;  // which link is current
    std::size_t rewatches_ = 0;  // Sentinels tried since the watched one went (at most their number)
};

}  // namespace star::server::redis
