// --redis-url: redis://[[user]:password@]host[:port][/db]. Pure; no I/O. Checked when the settings are
// read (so a bad URL exits 2 naming the flag) and parsed again by the Redis backend.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace star::server::redis {

struct redis_url {
    std::string user;      // empty: the default user (AUTH password)
    std::string password;  // empty: no AUTH
    std::string host;
    int port = 6379;
    int db = 0;
};

// Throws std::invalid_argument saying what is wrong. Percent-escapes in user and password are decoded.
redis_url parse_redis_url(std::string_view text);

// The URL for logs and errors: the password, if any, is replaced by "***".
std::string masked(redis_url const& url);

}  // namespace star::server::redis
