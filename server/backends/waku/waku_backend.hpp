// Federation over Waku relay through a co-located nwaku node's REST API.
//
// At start it reads nwaku's version (which decides whether `ephemeral` may be sent) and
// subscribes to the pubsub topic; then it polls GET /relay/v1/messages/{topic} (nwaku has
// no push; a GET returns what arrived since the last one and clears it), fast while a
// cross-server handshake is in flight or likely and slower when idle (poll_pacer.hpp), reads
// GET /health now and then (nwaku without relay peers is "not ready"), and publishes
// envelopes (protocol/federation_envelope.hpp) with POST /relay/v1/messages/{topic}, each signed
// with this server's key and encrypted (federation/sealer.hpp: Waku message version 1). What
// arrives passes the gate (federation/gate.hpp: trusted signer, its own id, fresh, not a replay,
// for us) before the hub hears of it.
//
// Runs on its own thread; when nwaku is unreachable it reports itself degraded, retries with
// backoff and recovers by itself, while local signalling carries on untouched. Everything
// below is owned by that thread, except `stopping_`, the problems behind `health_mutex_` and the
// trust list (its own lock: SIGHUP reloads it from the signal thread).
// stop() is synchronous: it publishes what is pending (the leaves of the peers that went),
// waits for that for at most a bounded time, and returns after the thread's last call into
// the hub.
#pragma once

#include "backends/waku/nwaku_answers.hpp"
#include "backends/waku/poll_pacer.hpp"
#include "backends/waku/rest_client.hpp"
#include "config/config.hpp"
#include "federation/gate.hpp"
#include "federation/sealer.hpp"
#include "federation/trust_list.hpp"
#include "metrics/metrics.hpp"
#include "protocol/federation_envelope.hpp"
#include "signalling/backend.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json_fwd.hpp>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

namespace star::server::waku {

// What nwaku adds around our payload in a relayed message: the other WakuMessage fields, an
// RLN proof, the relay frame. An envelope must fit in nwaku's --max-msg-size minus this.
inline constexpr std::size_t nwaku_message_overhead = 2048;

class waku_backend : public backend {
public:
    // Throws std::runtime_error when the trust list cannot be used (start-up only).
    waku_backend(config const& cfg, metrics& m, protocol::federation::private_key key);
    ~waku_backend() override;

    char const* name() const override { return "waku"; }
    bool federated() const override { return true; }
    std::string const& server_id() const override { return server_id_; }
    void start(backend_events& events) override;
    void stop() override;
    void announce(presence_change change, std::vector<std::string> peer_ids) override;
    void send(remote_signal signal) override;
    std::optional<std::string> degraded() const override;
    void reload() override;

private:
    struct outgoing {
        std::string body;  // the REST request body, identical on every retry
        protocol::federation::envelope_type type;
        std::optional<remote_signal> offer;  // for an offer: whom to tell if it is given up
        int attempts = 0;
    };

    // Start-up and health (waku_backend.cpp).
    void do_check_version();
    void do_subscribe();
    void do_check_health();
    void retry_later(void (waku_backend::*step)(), std::chrono::milliseconds delay);
    bool relay_trouble(relay_answer answer, std::string_view body, std::string_view what);
    void set_link_problem(std::string reason);
    void set_health_problem(std::optional<std::string> reason);
    void update_degraded();
    std::chrono::milliseconds next_backoff();

    // Receiving (waku_backend.cpp).
    void schedule_poll(std::chrono::milliseconds delay);
    void hurry_poll();
    void do_poll();
    void on_messages(std::string const& body);
    void on_message(nlohmann::json const& m);
    void on_envelope(protocol::federation::envelope e);

    // Publishing and stopping (waku_backend_publish.cpp).
    void publish(protocol::federation::envelope e, std::optional<remote_signal> offer = std::nullopt);
    void do_publish(std::shared_ptr<outgoing> out);
    void on_published(std::shared_ptr<outgoing> out, rest_response r);
    void give_up(outgoing& out, std::string_view reason);
    void flush_announcements();
    std::string new_envelope_id();
    void begin_shutdown();
    void maybe_finish_shutdown();
    void finish_shutdown();

    config const& cfg_;
    metrics& metrics_;
    federation::sealer sealer_;
    std::unique_ptr<federation::trust_list> trust_;  // null in open mode
    federation::gate gate_;
    std::string server_id_;
    std::string topic_path_;  // the pubsub topic, URL-encoded
    std::string presence_topic_, signal_topic_;
    std::string base_path_;  // path part of --waku-rest-url
    std::size_t max_envelope_;

    boost::asio::io_context io_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
    std::shared_ptr<rest_client> poller_, publisher_;
    boost::asio::steady_timer poll_timer_, flush_timer_, health_timer_, shutdown_timer_;
    backend_events* events_ = nullptr;
    poll_pacer pacer_;
    bool subscribed_ = false;
    bool poll_in_flight_ = false;
    bool send_ephemeral_ = false;  // only to nwaku known to accept the field
    bool health_is_report_ = true;
    std::chrono::milliseconds backoff_{0};
    std::vector<std::pair<presence_change, std::string>> pending_;  // announcements to coalesce
    bool flush_scheduled_ = false;
    std::uint64_t next_id_ = 0;
    bool shutting_down_ = false;  // on the backend's thread: leaves go out, nothing comes in

    std::atomic<bool> stopping_{false};
    mutable std::mutex health_mutex_;  // guards the two problems; taken by /readyz
    std::optional<std::string> link_problem_ = std::string("not yet subscribed to nwaku");
    std::optional<std::string> health_problem_;
};

}  // namespace star::server::waku
