#include "config/redis_url.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using star::server::redis::masked;
using star::server::redis::parse_redis_url;

TEST_CASE("redis_url: host, port and database, with defaults") {
    auto u = parse_redis_url("redis://127.0.0.1:6380/2");
    CHECK(u.host == "127.0.0.1");
    CHECK(u.port == 6380);
    CHECK(u.db == 2);
    CHECK(u.user.empty());
    CHECK(u.password.empty());
    auto d = parse_redis_url("redis://redis");
    CHECK(d.host == "redis");
    CHECK(d.port == 6379);
    CHECK(d.db == 0);
    CHECK(parse_redis_url("redis://redis/").db == 0);
    auto v6 = parse_redis_url("redis://[::1]:7000/1");
    CHECK(v6.host == "::1");
    CHECK(v6.port == 7000);
}

TEST_CASE("redis_url: credentials, percent-decoded") {
    auto u = parse_redis_url("redis://alice:p%40ss%3Aword@cache.internal:6379/0");
    CHECK(u.user == "alice");
    CHECK(u.password == "p@ss:word");
    auto p = parse_redis_url("redis://:secret@h:1/0");
    CHECK(p.user.empty());
    CHECK(p.password == "secret");
    auto alone = parse_redis_url("redis://secret@h");
    CHECK(alone.user.empty());
    CHECK(alone.password == "secret");
}

TEST_CASE("redis_url: what is refused, and why") {
    CHECK_THROWS_WITH(parse_redis_url("http://h:6379"), Catch::Contains("rediss://"));
    CHECK_THROWS_AS(parse_redis_url("http://h:6379"), std::invalid_argument);
    CHECK_THROWS_AS(parse_redis_url("redis://:6379"), std::invalid_argument);
    CHECK_THROWS_WITH(parse_redis_url("redis://h:0"), Catch::Contains("port"));
    CHECK_THROWS_WITH(parse_redis_url("redis://h:70000"), Catch::Contains("port"));
    CHECK_THROWS_WITH(parse_redis_url("redis://h:63x79"), Catch::Contains("port"));
    CHECK_THROWS_WITH(parse_redis_url("redis://h:6379/x"), Catch::Contains("database"));
    CHECK_THROWS_WITH(parse_redis_url("redis://[::1:6379"), Catch::Contains("]"));
    CHECK_THROWS_WITH(parse_redis_url("redis://:p%4@h"), Catch::Contains("hex"));
}

TEST_CASE("redis_url: masked never shows the password") {
    CHECK(masked(parse_redis_url("redis://alice:hunter2@h:6379/3")) == "redis://alice:***@h:6379/3");
    CHECK(masked(parse_redis_url("redis://:hunter2@h")) == "redis://:***@h:6379/0");
    CHECK(masked(parse_redis_url("redis://h")) == "redis://h:6379/0");
    CHECK(masked(parse_redis_url("redis://[::1]:7000")) == "redis://[::1]:7000/0");
}

TEST_CASE("redis_url: rediss:// is TLS, and says so when masked") {
    auto url = parse_redis_url("rediss://signalling:s3cret@cache.example:6380/2");
    CHECK(url.tls);
    CHECK(url.host == "cache.example");
    CHECK(url.port == 6380);
    CHECK(url.user == "signalling");
    CHECK(url.db == 2);
    CHECK(masked(url) == "rediss://signalling:***@cache.example:6380/2");
    CHECK_FALSE(parse_redis_url("redis://h").tls);
}

TEST_CASE("redis_url: --redis-sentinels, with Sentinel's port by default") {
    using star::server::redis::parse_sentinels;
    using star::server::redis::redis_endpoint;
    CHECK(parse_sentinels("").empty());
    CHECK(parse_sentinels("s1:5000,s2,[::1]:26380") ==
          std::vector<redis_endpoint>{{"s1", 5000}, {"s2", 26379}, {"::1", 26380}});
    CHECK_THROWS_WITH(parse_sentinels("s1:0"), Catch::Contains("port"));
    CHECK_THROWS_WITH(parse_sentinels("s1,,s2"), Catch::Contains("host"));
    CHECK_THROWS_WITH(parse_sentinels("s1:99999"), Catch::Contains("port"));
}
