// The Redis engine beneath the federation shell (backends/shell/): servers sharing one Redis act
// as one, presence and handshakes crossing over Redis pub/sub.
//
// Channels (README, "The Redis backend"): every server publishes its joins, leaves and periodic
// snapshots on <prefix>:presence and subscribes to it; each server subscribes to
// <prefix>:signal:<its id>, where the others publish the handshakes for its peers. Messages are
// federation envelopes (protocol/federation_envelope.hpp) as they are. PUBLISH answers how many
// subscribers got a message: 0 means that server is gone (the shell answers the offer at once).
//
// Two connections (a subscribed connection can send nothing but (un)subscriptions): the
// subscriber and the publisher, both redis_links (plain or TLS) on the shell's backend thread.
// With --redis-sentinels the master's address comes from Sentinel (sentinel_client), which also
// reports +switch-master. When either link fails, when Redis leaves a ROLE (or PING) unanswered
// for --redis-timeout, when ROLE says it is no longer a master or a PUBLISH meets READONLY, or when
// Sentinel switches the master, everything is closed and the shell is told the link is lost; it
// calls connect() again after a backoff (which asks the Sentinels again). Everything here runs on
// that thread.
#pragma once

#include "backends/redis/redis_link.hpp"
#include "backends/redis/sentinel_client.hpp"
#include "backends/shell/engine.hpp"
#include "config/config.hpp"
#include "config/redis_url.hpp"
#include "metrics/metrics.hpp"
#include "signalling/backend.hpp"

#include <boost/asio/steady_timer.hpp>

namespace star::server::redis {

// The Redis backend: the federation shell with this engine below it. Throws std::invalid_argument
// for a bad URL or an unreadable password file.
std::unique_ptr<backend> make_redis_backend(config const& cfg, metrics& m, std::string server_id);

class redis_engine final : public shell::engine {
public:
    redis_engine(shell::engine_context ctx, config const& cfg, metrics& m, std::string server_id);
    ~redis_engine() override;

    char const* name() const override { return "redis"; }
    std::string const& server_id() const override { return server_id_; }
    // A PUBLISH lost with its connection may have been delivered, and nothing on the receiving side
    // drops a second copy: only what Redis certainly did not take is sent again.
    bool repeats_are_harmless() const override { return false; }
    void log_start() const override;

    void connect() override;
    void stop_receiving() override;
    void close() override;
    // A message on the wire is the envelope's text, on the presence channel or the receiver's.
    shell::wire_message encode(protocol::federation::envelope const& e) override;
    void transmit(shell::wire_message const& m, publish_done done) override;

private:
    std::vector<std::string> auth_command() const;
    std::string where() const;  // the Redis in use, for logs and /readyz (no password)
    void open_links(std::uint64_t generation);
    void check_role(std::function<void()> on_master);
    void on_link_ready();
    void on_lost(std::uint64_t generation, std::string reason);
    void fail(std::string reason);  // from inside a reply: posted, so hiredis' callback ends first
    void schedule_watchdog();
    void on_watchdog();
    void on_subscriber_reply(redisReply* reply);
    bool up() const { return subscribed_ && publisher_ready_; }

    boost::asio::io_context& io_;
    shell::engine_events& events_;
    config const& cfg_;
    metrics& metrics_;
    std::string server_id_;
    redis_url url_;
    std::string presence_channel_, signal_channel_;
    std::shared_ptr<boost::asio::ssl::context> tls_;  // rediss:// only
    redis_endpoint master_;                           // the URL's host, or what the Sentinels said
    sentinel_settings sentinel_settings_;
    std::unique_ptr<sentinel_client> sentinel_;  // with --redis-sentinels only
    bool role_allowed_ = true;                   // false once ROLE was refused (NOPERM): PING instead

    std::shared_ptr<redis_link> subscriber_, publisher_;
    boost::asio::steady_timer watchdog_timer_;
    std::uint64_t generation_ = 0;  // which pair of links is current; a lost report of an older pair is stale
    bool subscribed_ = false, publisher_ready_ = false;
    int confirmations_ = 0;  // SUBSCRIBE confirmations still awaited
    std::chrono::steady_clock::time_point connecting_since_, ping_sent_;
    bool ping_outstanding_ = false;
    bool receiving_ = true;  // false once stop_receiving() ran
};

}  // namespace star::server::redis
