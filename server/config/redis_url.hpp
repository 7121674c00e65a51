// --redis-url: redis[s]://[[user]:password@]host[:port][/db] (rediss: TLS). Pure; no I/O. Checked when the settings are
// read (so a bad URL exits 2 naming the flag) and parsed again by the Redis backend.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace star::server::redis {

struct redis_url {
    std::string user;      // empty: the default user (AUTH password)
    std::string password;  // empty: no AUTH
    std::string host;
    int port = 6379;
    int db = 0;
    bool tls = false;  // rediss://
};

struct redis_endpoint {
    std::string host;
    int port = 26379;
    bool operator==(redis_endpoint const&) const = default;
};

// Throws std::invalid_argument saying what is wrong. Percent-escapes in user and password are decoded.
redis_url parse_redis_url(std::string_view text);

// The URL for logs and errors: the password, if any, is replaced by "***".
std::string masked(redis_url const& url);

// --redis-sentinels: host:port,host:port,... (port 26379 when left out; [v6]:port). Throws
// std::invalid_argument saying what is wrong; empty text is no Sentinels.
std::vector<redis_endpoint> parse_sentinels(std::string_view text);

}  // namespace star::server::redis
