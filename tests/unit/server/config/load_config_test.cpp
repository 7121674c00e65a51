#include "config/load_config.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

using namespace star::server;
using namespace std::chrono_literals;

namespace {

struct temp_file {
    std::string path;
    explicit temp_file(std::string const& text) {
        char name[] = "/tmp/star-config-XXXXXX";
        int fd = mkstemp(name);
        close(fd);
        path = name;
        std::ofstream(path) << text;
    }
    ~temp_file() { std::remove(path.c_str()); }
};

config load(std::vector<std::string> args, std::vector<std::string> env = {}) {
    std::vector<char const*> envp;
    for (auto& e : env) envp.push_back(e.c_str());
    envp.push_back(nullptr);
    return load_config(args, envp.data()).cfg;
}

}  // namespace

TEST_CASE("defaults match the reference server") {
    auto c = load({});
    CHECK(c.host == "0.0.0.0");
    CHECK(c.port == 9090);
    CHECK(c.metrics);
    CHECK(c.peer_refresh_interval == 10s);
    CHECK(c.ping_interval == 25s);
    CHECK(c.ping_timeout == 20s);
    CHECK(c.max_message_size == 1000000);
}

TEST_CASE("precedence is defaults < file < environment < flags") {
    temp_file f("# comment\nport = 1111\nlog_level = \"debug\"\npeer-refresh-interval = 3s  # inline\n");
    CHECK(load({"--config", f.path}).port == 1111);
    CHECK(load({"--config", f.path}).log_level == "debug");
    CHECK(load({"--config", f.path}).peer_refresh_interval == 3s);
    CHECK(load({"--config", f.path}, {"PORT=2222"}).port == 2222);
    CHECK(load({"--config", f.path}, {"PORT=2222", "WEBRTC_STAR_PORT=3333"}).port == 3333);
    CHECK(load({"--config", f.path, "--port", "4444"}, {"PORT=2222"}).port == 4444);
    CHECK(load({}, {"WEBRTC_STAR_CONFIG=" + f.path}).port == 1111);
}

TEST_CASE("the reference's environment variables work") {
    CHECK_FALSE(load({}, {"DISABLE_METRICS=true"}).metrics);
    CHECK(load({}, {"DISABLE_METRICS=false"}).metrics);
    CHECK(load({}, {"HOST=127.0.0.1"}).host == "127.0.0.1");
    CHECK_FALSE(load({"--disable-metrics"}).metrics);
    CHECK(load({}, {"WEBRTC_STAR_MAX_PEERS_PER_ANNOUNCE=7"}).max_peers_per_announce == 7);
}

TEST_CASE("errors name the flag, variable or key") {
    CHECK_THROWS_WITH(load({"--port", "abc"}), Catch::Contains("--port"));
    CHECK_THROWS_WITH(load({"--peer-refresh-interval", "banana"}), Catch::Contains("--peer-refresh-interval"));
    CHECK_THROWS_WITH(load({}, {"PORT=x"}), Catch::Contains("PORT"));
    CHECK_THROWS_WITH(load({"--bogus"}), Catch::Contains("--bogus"));
    temp_file unknown("port = 1\nfrobnicate = 2\n");
    CHECK_THROWS_WITH(load({"--config", unknown.path}), Catch::Contains("frobnicate") && Catch::Contains(":2"));
    temp_file bad("port = many\n");
    CHECK_THROWS_WITH(load({"--config", bad.path}), Catch::Contains("'port'"));
    CHECK_THROWS_WITH(load({"--config", "/nonexistent/x.toml"}), Catch::Contains("/nonexistent/x.toml"));
}

TEST_CASE("--help is reported, not an error") {
    char const* envp[] = {nullptr};
    auto r = load_config({"--help"}, envp);
    CHECK(r.help_requested);
    CHECK(r.help.find("--max-peers-per-announce") != std::string::npos);
}

TEST_CASE("--version is reported before any setting is read") {
    char const* bad_env[] = {"PORT=not-a-port", "WEBRTC_STAR_CONFIG=/nonexistent/x.toml", nullptr};
    auto r = load_config({"--version", "--log-level", "info"}, bad_env);
    CHECK(r.version_requested);
    CHECK_FALSE(r.help_requested);
    char const* envp[] = {nullptr};
    CHECK_FALSE(load_config({}, envp).version_requested);
    CHECK(load_config({"--help"}, envp).help.find("--version") != std::string::npos);
}

// --help writes each default from config{}; this keeps what it writes readable as the flag's own
// value (and catches a default still written by hand): every "(default V)" in --help, given as
// that setting's value, must leave the configuration exactly as its defaults are.
TEST_CASE("the defaults --help states are the real ones") {
    char const* envp[] = {nullptr};
    std::istringstream help(load_config({"--help"}, envp).help);
    config const defaults = load({});
    std::string line, option;
    int checked = 0;
    while (std::getline(help, line)) {
        // An option's description is on its line, or on the next one when the name is long.
        if (auto dashes = line.find_first_not_of(' ');
            dashes != std::string::npos && line.compare(dashes, 2, "--") == 0)
            option = line.substr(dashes, line.find(' ', dashes) - dashes);
        auto at = line.find("(default ");
        if (at == std::string::npos || option.empty()) continue;
        auto begin = at + 9;
        auto end = std::min(line.find(')', begin), line.find(": ", begin));  // "(default V: why)"
        std::string value = line.substr(begin, end - begin);
        INFO(option << " says its default is " << value);
        CHECK(load({option, value}) == defaults);
        ++checked;
    }
    CHECK(checked >= 30);
}

TEST_CASE("--help's defaults are config's, in the units the flags take") {
    char const* envp[] = {nullptr};
    auto help = load_config({"--help"}, envp).help;
    for (auto shown : {"(default 25s)", "(default 4MiB)", "(default 1000000)", "(default polling,websocket)",
                       "(default memory)", "(default 0.0.0.0)", "(default 9090)", "(default 20ms)"})
        CHECK(help.find(shown) != std::string::npos);
}

TEST_CASE("the Redis backend's settings") {
    auto c = load({"--backend", "redis", "--redis-url", "redis://cache:6380/1", "--redis-timeout", "500ms"},
                  {"WEBRTC_STAR_REDIS_PASSWORD=from-env", "WEBRTC_STAR_REDIS_CHANNEL_PREFIX=staging"});
    CHECK(c.backend == "redis");
    CHECK(c.redis_url == "redis://cache:6380/1");
    CHECK(c.redis_password == "from-env");
    CHECK(c.redis_channel_prefix == "staging");
    CHECK(c.redis_timeout == 500ms);
    char const* envp[] = {nullptr};
    CHECK_THROWS_WITH(load_config({"--redis-url", "http://cache"}, envp), Catch::Contains("redis-url"));
    CHECK_THROWS_WITH(load_config({"--redis-url", "redis://:hunter2@cache:0"}, envp), Catch::Contains("port"));
    CHECK_THROWS_WITH(load_config({"--redis-url", "redis://:hunter2@cache:0"}, envp), !Catch::Contains("hunter2"));
    CHECK_THROWS_WITH(load_config({"--redis-timeout", "10ms"}, envp), Catch::Contains("at least 100ms"));
    CHECK_THROWS_WITH(load_config({"--backend", "etcd"}, envp), Catch::Contains("memory, waku or redis"));
}

TEST_CASE("TLS to Redis and Redis Sentinel: flags and environment") {
    auto c = load({"--redis-url", "rediss://signalling@cache:6380/0", "--redis-tls-ca-file", "/etc/ca.pem",
                   "--redis-sentinels", "s1:26379,s2", "--redis-master-name", "signalling"},
                  {"WEBRTC_STAR_REDIS_TLS_SERVER_NAME=cache.example", "WEBRTC_STAR_REDIS_SENTINEL_PASSWORD=s3cret"});
    CHECK(c.redis_url == "rediss://signalling@cache:6380/0");
    CHECK(c.redis_tls_ca_file == "/etc/ca.pem");
    CHECK(c.redis_tls_server_name == "cache.example");
    CHECK(c.redis_sentinels == "s1:26379,s2");
    CHECK(c.redis_master_name == "signalling");
    CHECK(c.redis_sentinel_password == "s3cret");
    CHECK(load({}).redis_master_name == "mymaster");
    char const* envp[] = {nullptr};
    CHECK_THROWS_WITH(load_config({"--redis-sentinels", "s1:0"}, envp), Catch::Contains("redis-sentinels"));
    CHECK_THROWS_WITH(load_config({"--redis-master-name", ""}, envp), Catch::Contains("redis-master-name"));
}

TEST_CASE("the federation key file comes from flags, environment and file; keygen needs it") {
    CHECK(load({}).federation_key_file.empty());
    CHECK(load({"--federation-key-file", "/k"}).federation_key_file == "/k");
    CHECK(load({}, {"WEBRTC_STAR_FEDERATION_KEY_FILE=/e"}).federation_key_file == "/e");
    temp_file file("federation-key-file = \"/f\"\n");
    CHECK(load({"--config", file.path}).federation_key_file == "/f");
    CHECK_FALSE(load({"--federation-key-file", "/k"}).federation_keygen);
    CHECK(load({"--federation-keygen", "--federation-key-file", "/k"}).federation_keygen);
    CHECK_THROWS_AS(load({"--federation-keygen"}), config_error);
    CHECK_THROWS_AS(load({"--federation-key-file", ""}), config_error);
}

TEST_CASE("--backend waku needs a key file and a trust list, or open mode said out loud") {
    auto waku = [](std::vector<std::string> more) {
        std::vector<std::string> args{"--backend", "waku"};
        args.insert(args.end(), more.begin(), more.end());
        return load(args);
    };
    CHECK_THROWS_WITH(waku({"--federation-trusted-keys", "/t"}), Catch::Contains("--federation-key-file"));
    CHECK_THROWS_WITH(waku({"--federation-key-file", "/k"}), Catch::Contains("--federation-trusted-keys FILE"));
    CHECK_THROWS_AS(waku({"--federation-key-file", "/k", "--federation-trusted-keys", "/t", "--federation-open"}),
                    config_error);
    auto c = waku({"--federation-key-file", "/k", "--federation-trusted-keys", "/t"});
    CHECK(c.federation_trusted_keys == "/t");
    CHECK_FALSE(c.federation_open);
    CHECK(waku({"--federation-key-file", "/k", "--federation-open"}).federation_open);
    CHECK(load({}, {"WEBRTC_STAR_FEDERATION_OPEN=true"}).federation_open);
    // The memory backend needs none of it; --federation-keygen neither.
    CHECK_NOTHROW(load({"--federation-keygen", "--federation-key-file", "/k", "--backend", "waku"}));
}

TEST_CASE("federation clock skew and per-server quota are bounded") {
    CHECK(load({}).federation_max_clock_skew == 60s);
    CHECK(load({"--federation-max-clock-skew", "5s"}).federation_max_clock_skew == 5s);
    CHECK_THROWS_AS(load({"--federation-max-clock-skew", "10ms"}), config_error);
    CHECK_THROWS_AS(load({"--federation-max-clock-skew", "2h"}), config_error);
    CHECK(load({"--federation-max-peers-per-server", "7"}).federation_max_peers_per_server == 7);
    CHECK_THROWS_AS(load({"--federation-max-peers-per-server", "0"}), config_error);
}

TEST_CASE("the edge's settings: flags, environment, file; ranges and origins checked as they are read") {
    auto c = load({"--trusted-proxies", "10.0.0.0/8,::1", "--max-connections-per-address", "0", "--allowed-origins",
                   "https://app.example.org,*.example.org", "--require-origin"},
                  {"WEBRTC_STAR_MAX_JOINS_PER_ADDRESS=7", "WEBRTC_STAR_ADDRESS_PREFIX_V6=56"});
    CHECK(c.trusted_proxies == "10.0.0.0/8,::1");
    CHECK(c.max_connections_per_address == 0);
    CHECK(c.max_joins_per_address == 7);
    CHECK(c.address_prefix_v6 == 56);
    CHECK(c.require_origin);
    temp_file f(
        "deny-from = \"192.0.2.0/24\"\naddress-interval = 30s\nproxy-protocol = true\ntrusted-proxies = "
        "\"127.0.0.1\"\n");
    auto fc = load({"--config", f.path});
    CHECK(fc.deny_from == "192.0.2.0/24");
    CHECK(fc.address_interval == 30s);
    CHECK(fc.proxy_protocol);
    CHECK_THROWS_WITH(load({"--trusted-proxies", "10.0.0.0/33"}), Catch::Contains("--trusted-proxies"));
    CHECK_THROWS_WITH(load({"--deny-from", "evil"}), Catch::Contains("'evil'"));
    CHECK_THROWS_WITH(load({"--allowed-origins", "example.org"}), Catch::Contains("--allowed-origins"));
    CHECK_THROWS_WITH(load({"--proxy-protocol"}), Catch::Contains("--trusted-proxies"));
    CHECK_THROWS_WITH(load({"--address-prefix-v4", "40"}), Catch::Contains("--address-prefix-v4"));
}
