// Every setting of the daemon, with its default. Loaded once at start-up by `load_config`
// and passed by const& from then on.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace star::server {

using std::chrono::milliseconds;

struct config {
    std::string host = "0.0.0.0";
    std::uint16_t port = 9090;
    bool metrics = true;
    std::string log_level = "info";
    std::string log_format = "text";  // text, json, or auto: text on a terminal, else json
    unsigned threads = 0;             // 0: one per core

    milliseconds peer_refresh_interval{10'000};
    std::size_t max_peers_per_announce = 50;
    milliseconds join_announce_delay{20};  // joins this close together are announced together

    milliseconds ping_interval{25'000};
    milliseconds ping_timeout{20'000};
    milliseconds connect_timeout{45'000};
    milliseconds takeover_probe_timeout{2'000};
    milliseconds handshake_timeout{10'000};  // TCP accept to WebSocket open
    milliseconds shutdown_timeout{5'000};

    // --transports: which Engine.IO transports are served ("polling,websocket" by default).
    bool transports_polling = true;
    bool transports_websocket = true;

    std::size_t max_message_size = 1'000'000;  // as Socket.IO's maxHttpBufferSize
    std::size_t max_queued_bytes = 4 * 1024 * 1024;
    std::size_t max_connections = 100'000;
    unsigned max_messages_per_second = 1'000;       // per connection; 0: unlimited
    unsigned max_pings_per_second = 10;             // WebSocket and Engine.IO pings per connection; 0: unlimited
    unsigned max_received_per_second = 5'000;       // handshakes one peer is sent by others; 0: unlimited
    std::size_t memory_budget = 192 * 1024 * 1024;  // bytes buffered for all clients together; 0: none
    std::size_t min_receive_rate = 64 * 1024;       // bytes/s: a frame of N bytes must arrive within 5 s + N/rate
    std::size_t socket_send_buffer = 128 * 1024;    // SO_SNDBUF per connection; 0: the kernel's default

    std::string tls_cert;  // PEM, chain allowed; with tls_key, the main port speaks TLS
    std::string tls_key;
    std::optional<std::uint16_t> plain_port;  // with TLS on: also serve plain http/ws here

    // Backends: "memory" (this process alone), "waku" (federated through nwaku's REST API) or
    // "redis" (servers sharing one Redis, e.g. replicas behind a load balancer).
    std::string backend = "memory";
    std::string server_id;  // empty: random at start
    std::string waku_rest_url = "http://127.0.0.1:8645";
    std::string waku_pubsub_topic = "/waku/2/rs/66/0";
    std::string waku_content_topic_prefix = "/webrtc-star/1";
    milliseconds waku_poll_interval{100};             // idle: no cross-server handshake in flight or likely
    milliseconds waku_fast_poll_interval{20};         // while one is
    milliseconds waku_fast_poll_window{2000};         // how long "likely" lasts after an offer, signal or join
    std::size_t waku_max_message_size = 1024 * 1024;  // nwaku's --max-msg-size
    milliseconds federation_presence_interval{10'000};
    milliseconds federation_peer_ttl{35'000};
    std::size_t max_remote_peers = 100'000;
    std::string federation_key_file;  // the server's secp256k1 key; created (mode 0600) if missing
    // Federation trust (server/federation/): whose envelopes are believed.
    std::string federation_trusted_keys;             // the trust list file; reloaded on SIGHUP
    bool federation_open = false;                    // believe any signer (still signed and encrypted)
    milliseconds federation_max_clock_skew{60'000};  // envelopes older or newer than this are stale
    std::size_t federation_max_peers_per_server = 25'000;

    // The Redis backend (backends/redis/). The password may also come in the URL; it is never logged.
    std::string redis_url = "redis://127.0.0.1:6379/0";
    std::string redis_password;
    std::string redis_password_file;
    std::string redis_channel_prefix = "webrtc-star";
    milliseconds redis_timeout{3'000};  // connect, and a PING's answer, before Redis counts as unreachable

    // TLS to Redis (rediss://): whom to trust (empty: the system store), our certificate if Redis asks
    // for one, and the name the certificate must carry when it is not the URL's host.
    std::string redis_tls_ca_file;
    std::string redis_tls_cert_file;
    std::string redis_tls_key_file;
    std::string redis_tls_server_name;
    // Redis Sentinel: where the Sentinels are (host:port,...; empty: no Sentinel, the URL's host is the
    // master) and which master to ask for; the URL then gives only credentials, database and scheme.
    std::string redis_sentinels;
    std::string redis_master_name = "mymaster";
    std::string redis_sentinel_user;
    std::string redis_sentinel_password;

    // The open internet's edge (server/admission/, transport/client_gate): who the client is, and
    // what one client address may open. Ranges are comma-separated CIDRs or addresses.
    std::string trusted_proxies;  // whose X-Forwarded-For / Forwarded / PROXY header is believed
    bool proxy_protocol = false;  // every connection starts with a PROXY v1/v2 header from a trusted proxy
    std::size_t max_connections_per_address = 1'000;  // open sessions; 0: unlimited
    unsigned max_sessions_per_address = 300;          // new sessions per --address-interval; 0: unlimited
    unsigned max_joins_per_address = 600;             // ss-join per --address-interval; 0: unlimited
    milliseconds address_interval{10'000};
    unsigned address_prefix_v4 = 32;  // addresses in one such prefix count as one client
    unsigned address_prefix_v6 = 64;
    std::size_t max_addresses = 200'000;  // client addresses remembered at once
    std::string allow_from;               // only these may connect (empty: anyone not denied)
    std::string deny_from;
    std::string allow_from_file;  // more ranges, one or more a line, '#' comments; reloaded on SIGHUP
    std::string deny_from_file;
    std::string allowed_origins = "*";  // exact origins and *.example.org patterns
    bool require_origin = false;        // refuse sessions whose requests carry no Origin

    std::string config_file;
    bool healthcheck = false;        // command line only: probe a running server instead of serving
    bool federation_keygen = false;  // command line only: write a new federation_key_file and exit

    unsigned io_threads() const;
    bool operator==(config const&) const = default;
};

}  // namespace star::server
