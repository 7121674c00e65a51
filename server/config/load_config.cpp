#include "config/load_config.hpp"

#include "admission/cidr.hpp"
#include "admission/origin_policy.hpp"
#include "config/redis_url.hpp"
#include "config/setting_values.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

namespace star::server {

unsigned config::io_threads() const {
    if (threads != 0) return threads;
    return std::max(1u, std::thread::hardware_concurrency());
}

namespace {

namespace sv = setting_values;

// One row per setting: the same row drives the flag, the environment variables and the
// config-file key, so the three can never drift apart.
struct setting {
    std::string name;                    // flag without dashes; file key (dashes or underscores)
    std::string help;                    // without the default: help_text() adds it, from `shown`
    bool flag = false;                   // takes no value on the command line
    std::vector<std::string> plain_env;  // the reference server's variables
    std::function<void(config&, std::string_view)> apply;
    std::function<std::string(config const&)> shown = {};  // the setting's value in config; none: no default
};

// The help line with the default config{} really has, so that the text cannot drift from it.
std::string help_text(setting const& s) {
    if (!s.shown) return s.help;
    return s.help + " (default " + s.shown(config{}) + ")";
}

std::vector<setting> settings() {
    using ms = std::chrono::milliseconds;
    auto duration = [](ms config::*m) { return [m](config& c, std::string_view v) { c.*m = sv::parse_duration(v); }; };
    auto size = [](std::size_t config::*m) { return [m](config& c, std::string_view v) { c.*m = sv::parse_size(v); }; };
    // How --help shows a default: as the flag would take it, so that it can be given back.
    auto shown_duration = [](ms config::*m) { return [m](config const& c) { return sv::format_duration(c.*m); }; };
    auto shown_size = [](std::size_t config::*m) { return [m](config const& c) { return sv::format_size(c.*m); }; };
    auto shown_text = [](std::string config::*m) { return [m](config const& c) { return c.*m; }; };
    auto shown_number = []<class Number>(Number config::*m) {
        return [m](config const& c) { return std::to_string(c.*m); };
    };
    auto shown_transports = [](config const& c) {
        if (c.transports_polling && c.transports_websocket) return std::string("polling,websocket");
        return std::string(c.transports_polling ? "polling" : "websocket");
    };
    // The table is laid out by hand, one setting per row group: formatting would spread every row over
    // a line per member.
    // clang-format off
    return {
        {"host", "address to listen on", false, {"HOST"},
         [](config& c, std::string_view v) {
             if (v.empty()) throw std::invalid_argument("expected an IP address");
             c.host = std::string(v);
         }, shown_text(&config::host)},
        {"port", "TCP port to listen on; 0 picks a free one", false, {"PORT"},
         [](config& c, std::string_view v) { c.port = static_cast<std::uint16_t>(sv::parse_unsigned(v, 0, 65535)); },
         shown_number(&config::port)},
        {"disable-metrics", "do not serve /metrics", true, {"DISABLE_METRICS"},
         [](config& c, std::string_view v) { c.metrics = !sv::parse_bool(v); }},
        {"log-level", "trace, debug, info, warn, error, critical or off", false, {},
         [](config& c, std::string_view v) { c.log_level = sv::parse_log_level(v); }, shown_text(&config::log_level)},
        {"log-format", "text (a line for a terminal), json (an object a line, for log shippers) or auto (text "
         "when stderr is a terminal, else json)", false, {},
         [](config& c, std::string_view v) {
             if (v != "text" && v != "json" && v != "auto") throw std::invalid_argument("expected text, json or auto");
             c.log_format = std::string(v);
         }, shown_text(&config::log_format)},
        {"threads", "I/O threads; 0 means one per core", false, {},
         [](config& c, std::string_view v) { c.threads = static_cast<unsigned>(sv::parse_unsigned(v, 0, 256)); },
         shown_number(&config::threads)},
        {"peer-refresh-interval", "how often each peer is re-sent ws-peer announcements", false, {},
         [](config& c, std::string_view v) {
             auto d = sv::parse_duration(v);
             if (d.count() < 10) throw std::invalid_argument("expected a duration of at least 10ms");
             c.peer_refresh_interval = d;
         }, shown_duration(&config::peer_refresh_interval)},
        {"max-peers-per-announce", "most peers announced to one peer per refresh and on join", false, {},
         [](config& c, std::string_view v) { c.max_peers_per_announce = sv::parse_unsigned(v, 1, 100'000); },
         shown_number(&config::max_peers_per_announce)},
        {"join-announce-delay",
         "joins within this long of each other are announced to others together, a write per receiver; "
         "0 announces each join at once", false, {},
         [](config& c, std::string_view v) {
             auto d = sv::parse_duration(v);
             if (d > std::chrono::seconds(1)) throw std::invalid_argument("expected a duration of at most 1s");
             c.join_announce_delay = d;
         }, shown_duration(&config::join_announce_delay)},
        {"ping-interval", "Engine.IO ping interval", false, {}, duration(&config::ping_interval),
         shown_duration(&config::ping_interval)},
        {"ping-timeout", "Engine.IO ping timeout", false, {}, duration(&config::ping_timeout),
         shown_duration(&config::ping_timeout)},
        {"connect-timeout", "time allowed between Engine.IO open and Socket.IO connect", false, {},
         duration(&config::connect_timeout), shown_duration(&config::connect_timeout)},
        {"takeover-probe-timeout",
         "time a peer id's holder has to answer a ping before a newcomer may take the id", false, {},
         duration(&config::takeover_probe_timeout), shown_duration(&config::takeover_probe_timeout)},
        {"handshake-timeout", "time allowed from TCP accept to WebSocket open", false, {},
         duration(&config::handshake_timeout), shown_duration(&config::handshake_timeout)},
        {"shutdown-timeout", "on SIGTERM/SIGINT, longest wait for connections to close", false, {},
         duration(&config::shutdown_timeout), shown_duration(&config::shutdown_timeout)},
        {"transports",
         "Engine.IO transports served: polling,websocket (clients may start by long-polling and upgrade), "
         "websocket (polling is answered \"Transport unknown\") or polling", false, {},
         [](config& c, std::string_view v) {
             c.transports_polling = c.transports_websocket = false;
             while (!v.empty()) {
                 auto item = v.substr(0, v.find(','));
                 v.remove_prefix(std::min(v.size(), item.size() + 1));
                 if (item == "polling") c.transports_polling = true;
                 else if (item == "websocket") c.transports_websocket = true;
                 else throw std::invalid_argument("expected a list of polling and websocket");
             }
             if (!c.transports_polling && !c.transports_websocket)
                 throw std::invalid_argument("expected a list of polling and websocket");
         }, shown_transports},
        {"max-message-size", "largest WebSocket message or polling POST body accepted, in bytes",
         false, {},
         size(&config::max_message_size), shown_size(&config::max_message_size)},
        {"max-queued-bytes", "bytes queued to one slow client before it is dropped", false, {},
         size(&config::max_queued_bytes), shown_size(&config::max_queued_bytes)},
        {"max-connections", "most open client connections", false, {},
         [](config& c, std::string_view v) { c.max_connections = sv::parse_unsigned(v, 1, 10'000'000); },
         shown_number(&config::max_connections)},
        {"tls-cert", "PEM certificate (chain allowed): serve https:// and wss:// on --port; SIGHUP reloads it",
         false, {}, [](config& c, std::string_view v) { c.tls_cert = std::string(v); }},
        {"tls-key", "PEM private key for --tls-cert", false, {},
         [](config& c, std::string_view v) { c.tls_key = std::string(v); }},
        {"plain-port", "with TLS on, also serve plain http:// and ws:// on this port", false, {},
         [](config& c, std::string_view v) { c.plain_port = static_cast<std::uint16_t>(sv::parse_unsigned(v, 0, 65535)); }},
        {"backend", "memory; waku: federate with other servers through a co-located nwaku node; redis: act as "
         "one with the other servers on the same Redis", false,
         {}, [](config& c, std::string_view v) {
             if (v != "memory" && v != "waku" && v != "redis")
                 throw std::invalid_argument("expected memory, waku or redis");
             c.backend = std::string(v);
         }, shown_text(&config::backend)},
        {"server-id", "this server's id among federated servers (default: random)", false, {},
         [](config& c, std::string_view v) {
             if (v.empty() || v.size() > 64 || v.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != std::string_view::npos)
                 throw std::invalid_argument("expected 1 to 64 letters, digits, '-' or '_'");
             c.server_id = std::string(v);
         }},
        {"waku-rest-url", "nwaku REST API", false, {},
         [](config& c, std::string_view v) {
             if (v.substr(0, 7) != "http://") throw std::invalid_argument("expected an http:// URL");
             c.waku_rest_url = std::string(v);
         }, shown_text(&config::waku_rest_url)},
        {"waku-pubsub-topic", "Waku pubsub topic: /waku/2/rs/<cluster>/<shard>", false, {},
         [](config& c, std::string_view v) {
             if (v.substr(0, 8) != "/waku/2/") throw std::invalid_argument("expected a topic such as /waku/2/rs/66/0");
             c.waku_pubsub_topic = std::string(v);
         }, shown_text(&config::waku_pubsub_topic)},
        {"waku-content-topic-prefix", "content topics are <prefix>/presence/json and <prefix>/signal/json", false, {},
         [](config& c, std::string_view v) {
             if (v.empty() || v.front() != '/') throw std::invalid_argument("expected a prefix such as /webrtc-star/1");
             c.waku_content_topic_prefix = std::string(v);
         }, shown_text(&config::waku_content_topic_prefix)},
        {"waku-poll-interval", "how often nwaku is polled for messages when idle", false, {},
         duration(&config::waku_poll_interval), shown_duration(&config::waku_poll_interval)},
        {"waku-fast-poll-interval",
         "how often nwaku is polled while a cross-server handshake is in flight or likely", false, {},
         duration(&config::waku_fast_poll_interval), shown_duration(&config::waku_fast_poll_interval)},
        {"waku-fast-poll-window",
         "how long fast polling lasts after an offer, a signal or a join crosses", false, {},
         duration(&config::waku_fast_poll_window), shown_duration(&config::waku_fast_poll_window)},
        {"waku-max-message-size",
         "nwaku's --max-msg-size; envelopes larger than this less 2KiB of overhead are not sent",
         false, {},
         [](config& c, std::string_view v) {
             auto n = sv::parse_size(v);
             if (n < 16 * 1024) throw std::invalid_argument("expected at least 16KiB");
             c.waku_max_message_size = n;
         }, shown_size(&config::waku_max_message_size)},
        {"federation-presence-interval", "how often this server re-announces its peers", false, {},
         duration(&config::federation_presence_interval), shown_duration(&config::federation_presence_interval)},
        {"federation-peer-ttl", "how long a remote peer lives without being re-announced", false, {},
         duration(&config::federation_peer_ttl), shown_duration(&config::federation_peer_ttl)},
        // The Redis backend.
        {"redis-url", "Redis for --backend redis: redis://[user:password@]host:port/db; the password is better "
         "given by WEBRTC_STAR_REDIS_PASSWORD or a file",
         false, {}, [](config& c, std::string_view v) {
             try {
                 redis::parse_redis_url(v);
             } catch (std::invalid_argument const& e) {
                 // Not through apply_or_throw, which would print the value: it may hold a password.
                 throw config_error(std::string("invalid redis-url (the value is not shown, as it may hold a "
                                                "password): ") + e.what());
             }
             c.redis_url = std::string(v);
         }, shown_text(&config::redis_url)},
        {"redis-password", "Redis password (overrides the URL's); prefer the environment or --redis-password-file, "
         "as a flag is visible to other local users", false, {},
         [](config& c, std::string_view v) { c.redis_password = std::string(v); }},
        {"redis-password-file", "file holding the Redis password (overrides the others; one trailing newline "
         "is ignored)", false, {}, [](config& c, std::string_view v) { c.redis_password_file = std::string(v); }},
        {"redis-channel-prefix", "Redis pub/sub channels are <prefix>:presence and <prefix>:signal:<server id>; "
         "deployments sharing one Redis need different prefixes", false, {},
         [](config& c, std::string_view v) {
             if (v.empty() || v.size() > 64) throw std::invalid_argument("expected 1 to 64 characters");
             c.redis_channel_prefix = std::string(v);
         }, shown_text(&config::redis_channel_prefix)},
        {"redis-timeout", "how long Redis may take to accept a connection or answer a PING before it counts as "
         "unreachable and the backend reconnects", false, {},
         [](config& c, std::string_view v) {
             auto d = sv::parse_duration(v);
             if (d.count() < 100) throw std::invalid_argument("expected a duration of at least 100ms");
             c.redis_timeout = d;
         }, shown_duration(&config::redis_timeout)},
        // TLS to Redis and Redis Sentinel (backends/redis/; README, "The Redis backend").
        {"redis-tls-ca-file", "PEM file of the CAs that vouch for Redis' certificate with rediss:// (default: the "
         "system store)", false, {}, [](config& c, std::string_view v) { c.redis_tls_ca_file = std::string(v); }},
        {"redis-tls-cert-file", "PEM certificate (chain) this server shows Redis, when Redis asks for one", false, {},
         [](config& c, std::string_view v) { c.redis_tls_cert_file = std::string(v); }},
        {"redis-tls-key-file", "PEM private key of --redis-tls-cert-file", false, {},
         [](config& c, std::string_view v) { c.redis_tls_key_file = std::string(v); }},
        {"redis-tls-server-name", "the name Redis' certificate must carry, and the SNI sent (default: the host "
         "connected to)", false, {}, [](config& c, std::string_view v) { c.redis_tls_server_name = std::string(v); }},
        {"redis-sentinels", "Redis Sentinels to ask for the master (host:port,...); the URL's host is then unused",
         false, {}, [](config& c, std::string_view v) {
             redis::parse_sentinels(v);
             c.redis_sentinels = std::string(v);
         }},
        {"redis-master-name", "the master's name at the Sentinels", false, {},
         [](config& c, std::string_view v) {
             if (v.empty() || v.size() > 128) throw std::invalid_argument("expected 1 to 128 characters");
             c.redis_master_name = std::string(v);
         }, shown_text(&config::redis_master_name)},
        {"redis-sentinel-user", "ACL user for the Sentinels (with --redis-sentinel-password)", false, {},
         [](config& c, std::string_view v) { c.redis_sentinel_user = std::string(v); }},
        {"redis-sentinel-password", "password for the Sentinels (requirepass / ACL); prefer the environment", false,
         {}, [](config& c, std::string_view v) { c.redis_sentinel_password = std::string(v); }},
        {"max-remote-peers", "most peers of other servers remembered", false, {},
         [](config& c, std::string_view v) { c.max_remote_peers = sv::parse_unsigned(v, 1, 10'000'000); },
         shown_number(&config::max_remote_peers)},
        {"federation-key-file",
         "this server's federation key (secp256k1, hex); created with mode 0600 if missing, refused if group "
         "or others may read it; its public key is the server's federation id", false, {},
         [](config& c, std::string_view v) {
             if (v.empty()) throw std::invalid_argument("expected a file name");
             c.federation_key_file = std::string(v);
         }},
        {"federation-trusted-keys",
         "with --backend waku: the servers to federate with, one public key a line with an optional name after "
         "it, '#' comments; envelopes signed by any other key are refused; SIGHUP reloads it", false, {},
         [](config& c, std::string_view v) {
             if (v.empty()) throw std::invalid_argument("expected a file name");
             c.federation_trusted_keys = std::string(v);
         }},
        {"federation-open",
         "with --backend waku and no trust list: believe envelopes signed by ANY key on the relay (they are still "
         "signed, and signals still encrypted); anyone on the relay can then announce peers and dial yours",
         true, {}, [](config& c, std::string_view v) { c.federation_open = sv::parse_bool(v); }},
        {"federation-max-clock-skew",
         "envelopes whose timestamp is further than this from our clock are refused as stale; replays are "
         "remembered this long", false, {},
         [](config& c, std::string_view v) {
             auto d = sv::parse_duration(v);
             if (d < std::chrono::seconds(1) || d > std::chrono::hours(1))
                 throw std::invalid_argument("expected a duration from 1s to 1h");
             c.federation_max_clock_skew = d;
         }, shown_duration(&config::federation_max_clock_skew)},
        {"federation-max-peers-per-server",
         "most remote peers one other server may hold in our table", false, {},
         [](config& c, std::string_view v) {
             c.federation_max_peers_per_server = sv::parse_unsigned(v, 1, 10'000'000);
         }, shown_number(&config::federation_max_peers_per_server)},
        {"max-messages-per-second", "messages accepted per connection per second; 0 is unlimited",
         false, {},
         [](config& c, std::string_view v) {
             c.max_messages_per_second = static_cast<unsigned>(sv::parse_unsigned(v, 0, 100'000'000));
         }, shown_number(&config::max_messages_per_second)},
        {"max-pings-per-second",
         "WebSocket and Engine.IO pings answered per connection per second, burst 2x; excess is dropped and "
         "counted; 0 is unlimited", false, {},
         [](config& c, std::string_view v) {
             c.max_pings_per_second = static_cast<unsigned>(sv::parse_unsigned(v, 0, 100'000'000));
         }, shown_number(&config::max_pings_per_second)},
        {"max-received-per-second",
         "handshake messages one peer is sent per second by all others, burst 2x; excess is dropped and "
         "counted; 0 is unlimited", false, {},
         [](config& c, std::string_view v) {
             c.max_received_per_second = static_cast<unsigned>(sv::parse_unsigned(v, 0, 100'000'000));
         }, shown_number(&config::max_received_per_second)},
        {"memory-budget",
         "bytes buffered for all clients together (partial frames, queued sends, TLS handshakes); when spent, "
         "the clients holding the most are dropped; 0 is no budget", false, {},
         size(&config::memory_budget), shown_size(&config::memory_budget)},
        {"min-receive-rate",
         "bytes per second a message must arrive at: one of N bytes must be complete within 5s + N/rate", false, {},
         [](config& c, std::string_view v) {
             c.min_receive_rate = sv::parse_size(v);
             if (c.min_receive_rate == 0) throw std::invalid_argument("expected a size above 0");
         }, shown_size(&config::min_receive_rate)},
        {"socket-send-buffer",
         "kernel send buffer per connection (SO_SNDBUF; the kernel doubles it); 0 keeps the kernel's own", false, {},
         size(&config::socket_send_buffer), shown_size(&config::socket_send_buffer)},
        // The open internet's edge: client addresses, per-address limits, origins.
        {"trusted-proxies", "proxies (CIDRs or addresses, comma-separated) whose X-Forwarded-For, Forwarded and "
         "PROXY protocol headers name the real client; from anyone else they are ignored", false, {},
         [](config& c, std::string_view v) { admission::parse_cidr_list(v); c.trusted_proxies = std::string(v); }},
        {"proxy-protocol", "every connection starts with a PROXY protocol header (v1 or v2, as HAProxy and nginx "
         "stream send it) from one of --trusted-proxies; connections without one are closed", true, {},
         [](config& c, std::string_view v) { c.proxy_protocol = sv::parse_bool(v); }},
        {"max-connections-per-address", "open sessions one client address may hold; 0 is unlimited", false, {},
         [](config& c, std::string_view v) { c.max_connections_per_address = sv::parse_unsigned(v, 0, 10'000'000); },
         shown_number(&config::max_connections_per_address)},
        {"max-sessions-per-address", "new sessions one client address may open per --address-interval; 0 is "
         "unlimited", false, {},
         [](config& c, std::string_view v) {
             c.max_sessions_per_address = static_cast<unsigned>(sv::parse_unsigned(v, 0, 100'000'000));
         }, shown_number(&config::max_sessions_per_address)},
        {"max-joins-per-address", "ss-join requests one client address may make per --address-interval; 0 is "
         "unlimited", false, {},
         [](config& c, std::string_view v) {
             c.max_joins_per_address = static_cast<unsigned>(sv::parse_unsigned(v, 0, 100'000'000));
         }, shown_number(&config::max_joins_per_address)},
        {"address-interval", "the interval of the per-address session and join limits", false, {},
         [](config& c, std::string_view v) {
             auto d = sv::parse_duration(v);
             if (d.count() < 100) throw std::invalid_argument("expected a duration of at least 100ms");
             c.address_interval = d;
         }, shown_duration(&config::address_interval)},
        {"address-prefix-v4", "IPv4 addresses in one prefix of this length count as one client", false, {},
         [](config& c, std::string_view v) { c.address_prefix_v4 = static_cast<unsigned>(sv::parse_unsigned(v, 8, 32)); },
         shown_number(&config::address_prefix_v4)},
        {"address-prefix-v6", "IPv6 addresses in one prefix of this length count as one client", false, {},
         [](config& c, std::string_view v) {
             c.address_prefix_v6 = static_cast<unsigned>(sv::parse_unsigned(v, 16, 128));
         }, shown_number(&config::address_prefix_v6)},
        {"max-addresses", "client addresses remembered at once by the per-address limits", false, {},
         [](config& c, std::string_view v) { c.max_addresses = sv::parse_unsigned(v, 1'000, 100'000'000); },
         shown_number(&config::max_addresses)},
        {"allow-from", "only these client ranges may connect (CIDRs, comma-separated); others get 403", false, {},
         [](config& c, std::string_view v) { admission::parse_cidr_list(v); c.allow_from = std::string(v); }},
        {"deny-from", "these client ranges get 403 (CIDRs, comma-separated)", false, {},
         [](config& c, std::string_view v) { admission::parse_cidr_list(v); c.deny_from = std::string(v); }},
        {"allow-from-file", "more --allow-from ranges, from a file ('#' comments); SIGHUP reloads it", false, {},
         [](config& c, std::string_view v) { c.allow_from_file = std::string(v); }},
        {"deny-from-file", "more --deny-from ranges, from a file ('#' comments); SIGHUP reloads it", false, {},
         [](config& c, std::string_view v) { c.deny_from_file = std::string(v); }},
        {"allowed-origins", "origins that may open sessions, comma-separated: exact (https://app.example.org), "
         "patterns (*.example.org, https://*.example.org) or * for any; others get 403", false, {},
         [](config& c, std::string_view v) {
             admission::origin_policy(v, false);
             c.allowed_origins = std::string(v);
         }, shown_text(&config::allowed_origins)},
        {"require-origin", "refuse (403) sessions whose requests carry no Origin header (non-browser clients)",
         true, {}, [](config& c, std::string_view v) { c.require_origin = sv::parse_bool(v); }},
    };
    // clang-format on
}

std::string env_name(std::string const& name) {
    std::string out = "WEBRTC_STAR_";
    for (char c : name) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string file_key(std::string key) {
    std::replace(key.begin(), key.end(), '_', '-');
    return key;
}

void apply_or_throw(setting const& s, config& c, std::string_view value, std::string const& source) {
    try {
        s.apply(c, value);
    } catch (std::invalid_argument const& e) {
        throw config_error("invalid value '" + std::string(value) + "' for " + source + ": " + e.what());
    }
}

std::string trim(std::string_view s) {
    auto b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(" \t\r");
    return std::string(s.substr(b, e - b + 1));
}

// `key = value` lines, '#' comments, values optionally in double quotes: a flat TOML subset.
void apply_file(std::vector<setting> const& table, config& c, std::string const& path) {
    std::ifstream in(path);
    if (!in) throw config_error("cannot read config file '" + path + "'");
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        std::string where = path + ":" + std::to_string(number);
        std::string text = trim(line);
        if (text.empty() || text.front() == '#') continue;
        auto eq = text.find('=');
        if (eq == std::string::npos) throw config_error(where + ": expected 'key = value'");
        std::string written = trim(text.substr(0, eq));
        std::string key = file_key(written);
        std::string value = trim(text.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"') {
            auto close = value.find('"', 1);
            if (close == std::string::npos) throw config_error(where + ": unterminated string");
            value = value.substr(1, close - 1);
        } else if (auto hash = value.find(" #"); hash != std::string::npos) {
            value = trim(value.substr(0, hash));
        }
        auto it = std::find_if(table.begin(), table.end(), [&](setting const& s) { return s.name == key; });
        if (it == table.end()) throw config_error(where + ": unknown key '" + written + "'");
        apply_or_throw(*it, c, value, "'" + key + "' in " + where);
    }
}

std::map<std::string, std::string> environment(char const* const* envp) {
    std::map<std::string, std::string> env;
    for (; envp && *envp; ++envp) {
        std::string_view kv(*envp);
        auto eq = kv.find('=');
        if (eq != std::string_view::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
    }
    return env;
}

// With --backend waku, the server signs with its key and believes only the servers it lists,
// unless the operator says, out loud, to believe anyone.
void check_federation_settings(config const& c) {
    if (c.federation_key_file.empty())
        throw config_error("--backend waku needs --federation-key-file FILE (this server's key; created if missing)");
    if (c.federation_trusted_keys.empty() && !c.federation_open)
        throw config_error(
            "--backend waku needs --federation-trusted-keys FILE (the public keys of the servers to "
            "federate with), or --federation-open to believe any signer on the relay");
    if (!c.federation_trusted_keys.empty() && c.federation_open)
        throw config_error("--federation-open and --federation-trusted-keys exclude each other: choose one");
}

}  // namespace

load_result load_config(std::vector<std::string> const& args, char const* const* envp) {
    auto table = settings();
    CLI::App app{
        "webrtc-star-server: a WebRTC-star signalling server (Socket.IO), drop-in for "
        "@libp2p/webrtc-star-signalling-server",
        "webrtc-star-server"};
    app.footer(
        "Every flag can also be set in the config file as `name = value` and in the environment as\n"
        "WEBRTC_STAR_<NAME> (e.g. WEBRTC_STAR_PEER_REFRESH_INTERVAL=5s); HOST, PORT and DISABLE_METRICS\n"
        "work as with the reference server. Precedence: defaults < file < environment < flags.\n"
        "Durations take ms, s or m (a bare number is milliseconds).");
    std::string config_file;
    bool healthcheck = false;
    bool version = false;
    bool keygen = false;
    app.add_flag("--version", version, "print the version and exit");
    app.add_flag("--federation-keygen", keygen,
                 "write a new key to --federation-key-file (which must not exist), print its public key on "
                 "the last line and exit");
    app.add_flag("--healthcheck", healthcheck,
                 "probe the server these settings describe (GET /healthz) and exit 0 if it is healthy");
    app.add_option("--config", config_file, "config file (key = value lines); env WEBRTC_STAR_CONFIG");
    std::map<std::string, std::string> flag_values;
    std::map<std::string, bool> flag_bools;
    std::map<std::string, CLI::Option*> options;
    for (auto const& s : table) {
        if (s.flag) options[s.name] = app.add_flag("--" + s.name, flag_bools[s.name], help_text(s));
        else options[s.name] = app.add_option("--" + s.name, flag_values[s.name], help_text(s));
    }
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (CLI::CallForHelp const&) {
        return {config{}, true, app.help()};
    } catch (CLI::ParseError const& e) {
        throw config_error(e.what());
    }
    if (version) return {config{}, false, {}, true};

    auto env = environment(envp);
    config c;
    if (config_file.empty() && env.count("WEBRTC_STAR_CONFIG")) config_file = env["WEBRTC_STAR_CONFIG"];
    if (!config_file.empty()) apply_file(table, c, config_file);
    c.config_file = config_file;

    for (auto const& s : table) {
        std::vector<std::string> names = s.plain_env;
        names.push_back(env_name(s.name));  // the prefixed name wins over the plain one
        for (auto const& n : names) {
            auto it = env.find(n);
            if (it != env.end() && !it->second.empty()) apply_or_throw(s, c, it->second, n + " (environment)");
        }
    }
    for (auto const& s : table) {
        if (options[s.name]->count() == 0) continue;
        std::string value = s.flag ? (flag_bools[s.name] ? "true" : "false") : flag_values[s.name];
        apply_or_throw(s, c, value, "--" + s.name);
    }
    if (c.tls_cert.empty() != c.tls_key.empty()) throw config_error("--tls-cert and --tls-key must be given together");
    if (c.plain_port && c.tls_cert.empty()) throw config_error("--plain-port needs --tls-cert and --tls-key");
    if (c.proxy_protocol && c.trusted_proxies.empty())
        throw config_error("--proxy-protocol needs --trusted-proxies (the proxies that send the header)");
    if (keygen && c.federation_key_file.empty()) throw config_error("--federation-keygen needs --federation-key-file");
    if (c.backend == "waku" && !keygen && !healthcheck) check_federation_settings(c);
    c.healthcheck = healthcheck;
    c.federation_keygen = keygen;
    return {c, false, {}};
}

}  // namespace star::server
