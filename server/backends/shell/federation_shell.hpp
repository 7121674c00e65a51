// The federation shell: the one backend (signalling/backend.hpp) of every engine that federates
// servers. It owns what federation means whatever carries the envelopes, and an engine (engine.hpp:
// Waku through nwaku's REST API, Redis pub/sub) is a small driver below it:
// - its thread and that thread's io_context, on which the engine's connections live too;
// - presence: our peers' joins and leaves coalesced for a moment and sent in envelopes of
//   peers_per_envelope peers (presence_queue.hpp); the hub's snapshots in chunks of the same size;
//   while the relay is away, joins are not queued and snapshots not sent, leaves wait (bounded);
// - order: a signal never overtakes the pending join of the peer it speaks for;
// - give-up answers: an offer that cannot reach the other server is answered "peer is not
//   available" at once, as that server would have (the relay away, refused, nobody listening);
// - retries (publish_policy.hpp), reconnection with backoff, and the re-announce of all our peers
//   once the relay is back (others forgot them if we were away longer than their TTL);
// - counting: envelopes published, received, dropped; publish and crossing latency; the link's
//   health for /readyz and federation_degraded;
// - the three-step shutdown: stop receiving, publish the last leaves, end the thread once the relay
//   acknowledged them or after leave_publish_bound.
//
// Everything below is owned by the backend thread, except `stopping_` (atomic), the problems
// behind `health_mutex_` (read by /readyz) and what the engine says is safe from any thread.
#pragma once

#include "backends/shell/engine.hpp"
#include "backends/shell/presence_queue.hpp"
#include "backends/shell/publish_policy.hpp"
#include "metrics/metrics.hpp"
#include "signalling/backend.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace star::server::shell {

struct shell_timing {
    std::chrono::milliseconds presence_window{50};        // joins and leaves this close together go out together
    std::chrono::milliseconds retry_delay{200};           // between two attempts of one publish
    std::chrono::milliseconds leave_publish_bound{2000};  // how long a stopping server waits for its last leaves
};

// Envelopes (their bytes) awaiting the relay's answer or a retry at most: a slow relay costs bounded
// memory, never a blocked hub. Beyond, an envelope is dropped (queue_full) and its offer answered.
inline constexpr std::size_t max_publishes_in_flight = 20'000;
inline constexpr std::size_t max_bytes_in_flight = 64 * 1024 * 1024;

class federation_shell final : public backend, private engine_events {
public:
    // own_thread: start() runs the context on the backend thread. caller: nothing is started, the
    // caller runs context() (unit tests), and stop() runs it until the shutdown ends.
    enum class runner { own_thread, caller };

    federation_shell(metrics& m, engine_factory const& make_engine, shell_timing timing = {},
                     runner run = runner::own_thread);
    ~federation_shell() override;

    char const* name() const override { return engine_->name(); }
    bool federated() const override { return true; }
    std::string const& server_id() const override { return server_id_; }
    void start(backend_events& events) override;
    void stop() override;
    void announce(presence_change change, std::vector<std::string> peer_ids) override;
    void send(remote_signal signal) override;
    std::optional<std::string> degraded() const override;
    void reload() override;

    boost::asio::io_context& context() { return io_; }

private:
    struct publication {  // one envelope on its way, until the relay took it or it was given up
        wire_message wire;
        protocol::federation::envelope_type type{};
        std::optional<remote_signal> offer;  // an offer: whom to answer if it is given up
        int attempts = 0;
        std::chrono::steady_clock::time_point sent;
    };
    using publication_ptr = std::shared_ptr<publication>;

    // engine_events (federation_shell.cpp).
    void link_up(std::string_view how) override;
    void link_lost(std::string reason, reconnect_pace pace) override;
    void relay_problem(std::optional<std::string> reason) override;
    void received(protocol::federation::envelope e) override;
    void update_degraded();  // under health_mutex_

    // Publishing (federation_shell_publish.cpp).
    void remember_own(presence_change change, std::vector<std::string> const& ids);
    void queue_presence(presence_change change, std::vector<std::string> ids);
    void flush_presence();
    void publish_snapshot(std::vector<std::string> ids);
    void send_signal(remote_signal s);
    void publish(protocol::federation::envelope e, std::optional<remote_signal> offer = std::nullopt);
    void transmit(publication_ptr p);
    void on_result(publication_ptr p, publish_result r);
    void retry_later(publication_ptr p);
    void done_with(publication const& p);
    void give_up(protocol::federation::envelope_type type, std::optional<remote_signal>& offer,
                 std::string_view reason);
    void begin_shutdown();
    void maybe_finish_shutdown();
    void finish_shutdown();

    metrics& metrics_;
    shell_timing timing_;
    runner runner_;
    boost::asio::io_context io_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    boost::asio::steady_timer flush_timer_, reconnect_timer_, shutdown_timer_;
    std::unique_ptr<engine> engine_;  // after io_: destroyed while its context still is
    std::string server_id_;
    std::thread thread_;
    backend_events* events_ = nullptr;

    bool up_ = false;  // the engine reported link_up and no loss since
    reconnect_backoff backoff_;
    bool reconnect_armed_ = false;
    presence_queue pending_;
    bool flush_armed_ = false;
    std::unordered_set<std::string> own_peers_;        // re-announced once the relay is back
    std::size_t in_flight_ = 0, bytes_in_flight_ = 0;  // publications not finished, and their bytes
    std::uint64_t next_id_ = 0;
    bool shutting_down_ = false, finished_ = false;

    bool started_ = false;
    std::atomic<bool> stopping_{false};
    mutable std::mutex health_mutex_;  // guards the two problems; a leaf (held while logging only)
    std::optional<std::string> link_problem_, relay_problem_;
};

}  // namespace star::server::shell
