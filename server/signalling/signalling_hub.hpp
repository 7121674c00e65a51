// The one owner of the peer table: joins, leaves, claims and refreshes itself; handshakes through
// its handshake_router and ws-peer announcements through its announcer, one path each for peers
// here and peers on other servers (reached through the backend). Connections on any thread call it:
// each public member runs on the caller's thread, under the hub's one lock, and what it sends
// is handed to the receivers' threads after the lock is released (inline for receivers on the
// caller's own thread). A handshake costs no hop to another thread and back; joins and
// handshakes of one connection keep their order. The hub's executor runs only its timers.
#pragma once

#include "config/config.hpp"
#include "metrics/metrics.hpp"
#include "protocol/star_address.hpp"
#include "signalling/announcer.hpp"
#include "signalling/backend.hpp"
#include "signalling/client_link.hpp"
#include "signalling/deferred_log.hpp"
#include "signalling/handshake_router.hpp"
#include "signalling/outbox.hpp"
#include "signalling/peer_table.hpp"
#include "signalling/refresh_schedule.hpp"
#include "signalling/remote_peers.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

namespace star::server {

class signalling_hub : public backend_events {
public:
    signalling_hub(boost::asio::any_io_executor executor, config const& cfg, metrics& m, backend& b);

    // Starts the backend (on the calling thread, outside the hub's lock: it logs and starts a
    // thread) and, when federated, the presence and expiry timers. Refreshes run on the hub's own
    // timer while anyone is joined. Called once, before any other thread calls the hub.
    void start();
    // Synchronous and safe to call twice; from any thread but the hub's. Publishes the leave
    // of every peer still joined, then stops the backend, which returns after its last call
    // into the hub. The hub's executor must be stopped before the hub is destroyed.
    void stop();

    void join(link_ptr from, protocol::star_address address, std::optional<std::uint64_t> ack_id);
    void leave(link_ptr from);
    void disconnected(link_ptr from);
    void handshake(link_ptr from, routed_handshake h);

    // Counted here, whichever layer refuses: a join the transport refused before asking the hub.
    static void count_refused_join(metrics& m, std::string_view reason);

    // backend_events
    void remote_presence(std::string server, std::vector<std::string> peer_ids, presence_change change) override;
    void remote_signal(server::remote_signal signal) override;
    void remote_server_gone(std::string server) override;

private:
    struct pending_claim {
        link_ptr claimant;
        protocol::star_address address;
        std::optional<std::uint64_t> ack_id;
        std::uint64_t holder_id;
    };

    void on_join(link_ptr const& from, protocol::star_address address, std::optional<std::uint64_t> ack_id);
    void on_probe_result(std::string const& key, std::uint64_t holder_id, bool alive);
    void on_disconnected(link_ptr const& from);
    void on_handshake(link_ptr const& from, routed_handshake& h);

    void register_peer(link_ptr const& from, protocol::star_address address, std::optional<std::uint64_t> ack_id);
    void remove_peer(std::string const& key);
    void refuse_join(link_ptr const& from, std::optional<std::uint64_t> ack_id, std::string_view reason,
                     std::string const& message);
    // The announcer's batch of newcomers goes out --join-announce-delay after its first one.
    void schedule_newcomers();
    void send_newcomers();
    // Refreshes: each peer's next one at its jittered interval, all those due taken per tick.
    void schedule_refresh(peer& p, steady_time now, bool first = false);
    void arm_refresh_timer();
    void on_refresh_tick();

    // Federation (signalling_hub_federation.cpp).
    void on_remote_presence(std::string const& server, std::vector<std::string> const& ids, presence_change change);
    void on_remote_signal(server::remote_signal& s);
    // Whether `server` holds the peer a handshake comes from (an offer's src, an answer's dst).
    bool speaks_for(std::string const& server, server::remote_signal const& s);
    void publish_presence();
    void schedule_presence();
    void schedule_expiry();

    // Runs f under the lock, then delivers what it sent and writes what it logged. How long the
    // lock was held goes to metrics.hub_lock_hold under `op`.
    template <class F> void locked(F&& f, hold_histogram::op op = hold_histogram::other);
    // Runs f under the lock on the hub's thread: timers are armed and fired only there.
    void on_hub_thread(std::function<void()> f);

    boost::asio::any_io_executor executor_;
    std::mutex mutex_;  // guards everything below
    config const& cfg_;
    metrics& metrics_;
    backend& backend_;
    peer_table table_;
    outbox outbox_;
    refresh_schedule refreshes_;
    boost::asio::steady_timer refresh_timer_;
    bool refresh_armed_ = false;
    boost::asio::steady_timer newcomer_timer_;
    steady_time last_refresh_tick_{};
    remote_peers remote_;
    std::unordered_map<std::string, pending_claim> claims_;  // by peer id key
    boost::asio::steady_timer presence_timer_;
    boost::asio::steady_timer expiry_timer_;
    std::minstd_rand rng_{std::random_device{}()};
    bool stopped_ = false;
    deferred_log log_;
    announcer announcer_;
    handshake_router router_;
};

template <class F> void signalling_hub::locked(F&& f, hold_histogram::op op) {
    outbox::handover sent;
    deferred_log::lines lines;
    {
        std::lock_guard lock(mutex_);
        auto held_from = std::chrono::steady_clock::now();
        f();
        sent = outbox_.take();
        lines = log_.take();
        metrics_.hub_lock_hold.observe(op, std::chrono::steady_clock::now() - held_from);
    }
    outbox::deliver(std::move(sent));
    deferred_log::write(lines);
}

}  // namespace star::server
