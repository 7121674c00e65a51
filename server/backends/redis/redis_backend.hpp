// Servers sharing one Redis act as one: presence and handshakes cross over Redis pub/sub.
//
// Channels (README, "The Redis backend"): every server publishes its joins, leaves and periodic
// snapshots on <prefix>:presence and subscribes to it; each server subscribes to
// <prefix>:signal:<its id>, where the others publish the handshakes for its peers. Messages are
// federation envelopes (protocol/federation_envelope.hpp). PUBLISH answers how many subscribers
// got a message: a signal that reached no one is given up at once ("peer is not available").
//
// Two connections (a subscribed connection can send nothing but (un)subscriptions): the
// subscriber and the publisher, both hiredis async contexts driven by this backend's own thread
// (redis_link). When either fails, or Redis leaves a PING unanswered for --redis-timeout, both
// are closed and made again with backoff; once both are up the backend re-announces its own
// peers. Meanwhile it is degraded (/readyz 503 with the reason), offers are answered "peer is not
// available" at once and joins and leaves wait in a bounded queue; local signalling is untouched.
//
// Everything below is owned by the backend's thread, except `stopping_` (atomic) and
// `problem_` (behind `health_mutex_`, read by /readyz). stop() is synchronous: it publishes
// the last leaves, waits for Redis to take them for at most a bounded time, and returns after
// the thread's last call into the hub.
#pragma once

#include "backends/redis/redis_link.hpp"
#include "config/config.hpp"
#include "config/redis_url.hpp"
#include "metrics/metrics.hpp"
#include "protocol/federation_envelope.hpp"
#include "signalling/backend.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace star::server::redis {

class redis_backend : public backend {
public:
    // Throws std::invalid_argument for a bad URL or an unreadable password file.
    redis_backend(config const& cfg, metrics& m, std::string server_id);
    ~redis_backend() override;

    char const* name() const override { return "redis"; }
    bool federated() const override { return true; }
    std::string const& server_id() const override { return server_id_; }
    void start(backend_events& events) override;
    void stop() override;
    void announce(presence_change change, std::vector<std::string> peer_ids) override;
    void send(remote_signal signal) override;
    std::optional<std::string> degraded() const override;

private:
    // Connecting and health (redis_backend.cpp).
    void do_connect();
    std::vector<std::string> auth_command() const;
    void on_link_ready();
    void on_lost(std::uint64_t generation, std::string reason);
    void fail(std::string reason);  // from inside a reply: posted, so hiredis' callback ends first
    void set_problem(std::optional<std::string> reason);
    void schedule_watchdog();
    void on_watchdog();

    // Receiving (redis_backend.cpp).
    void on_subscriber_reply(redisReply* reply);
    void on_envelope(protocol::federation::envelope e);

    // Publishing and stopping (redis_backend_publish.cpp).
    void remember_own(presence_change change, std::vector<std::string> const& ids);
    void queue_announcements(presence_change change, std::vector<std::string> ids);
    void flush_announcements();
    void publish_snapshot();
    void publish(protocol::federation::envelope e, std::optional<remote_signal> offer = std::nullopt);
    void give_up(std::optional<remote_signal>& offer, std::string_view reason);
    bool up() const { return subscribed_ && publisher_ready_; }
    void begin_shutdown();
    void maybe_finish_shutdown();
    void finish_shutdown();

    config const& cfg_;
    metrics& metrics_;
    std::string server_id_;
    redis_url url_;
    std::string presence_channel_, signal_channel_;

    boost::asio::io_context io_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
    backend_events* events_ = nullptr;
    std::shared_ptr<redis_link> subscriber_, publisher_;
    boost::asio::steady_timer reconnect_timer_, watchdog_timer_, shutdown_timer_;
    std::uint64_t generation_ = 0;  // which pair of links is current; a lost report of an older pair is stale
    bool subscribed_ = false, publisher_ready_ = false;
    int confirmations_ = 0;  // SUBSCRIBE confirmations still awaited
    std::chrono::steady_clock::time_point connecting_since_, ping_sent_;
    bool ping_outstanding_ = false;
    std::chrono::milliseconds backoff_{0};
    std::unordered_set<std::string> own_peers_;                     // re-announced after a reconnect
    std::vector<std::pair<presence_change, std::string>> pending_;  // joins and leaves to coalesce
    bool flush_posted_ = false;
    std::size_t bytes_in_flight_ = 0;  // published, not yet acknowledged by Redis
    std::uint64_t next_id_ = 0;
    bool shutting_down_ = false;

    std::atomic<bool> stopping_{false};
    mutable std::mutex health_mutex_;  // guards problem_; taken by /readyz
    std::optional<std::string> problem_ = std::string("not yet connected to Redis");
};

}  // namespace star::server::redis
