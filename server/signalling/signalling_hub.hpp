// The one owner of the peer table: joins, leaves, announcements and handshake routing, and
// through the backend, the same across federated servers. Connections on any thread call it:
// each public member runs on the caller's thread, under the hub's one lock, and what it sends
// is handed to the receivers' threads after the lock is released (inline for receivers on the
// caller's own thread). A handshake costs no hop to another thread and back; joins and
// handshakes of one connection keep their order. The hub's executor runs only its timers.
#pragma once

#include "config/config.hpp"
#include "log_throttle.hpp"
#include "metrics/metrics.hpp"
#include "protocol/star_address.hpp"
#include "signalling/backend.hpp"
#include "signalling/client_link.hpp"
#include "signalling/outbox.hpp"
#include "signalling/peer_table.hpp"
#include "signalling/refresh_schedule.hpp"
#include "signalling/remote_peers.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

namespace star::server {

// The routing part of an ss-handshake, with the frame that forwards it.
struct routed_handshake {
    std::string src_key;
    std::string dst_key;
    std::string intent_id;
    bool answer = false;
    frame_ptr forward;  // 42["ws-handshake",<payload as received>]
    steady_time received;
};

class signalling_hub : public backend_events {
public:
    signalling_hub(boost::asio::any_io_executor executor, config const& cfg, metrics& m, backend& b);

    // Starts the backend and, when federated, the presence and expiry timers. Refreshes run
    // on the hub's own timer while anyone is joined.
    void start();
    // Synchronous and safe to call twice; from any thread but the hub's. Publishes the leave
    // of every peer still joined, then stops the backend, which returns after its last call
    // into the hub. The hub's executor must be stopped before the hub is destroyed.
    void stop();

    void join(link_ptr from, protocol::star_address address, std::optional<std::uint64_t> ack_id);
    void leave(link_ptr from);
    void disconnected(link_ptr from);
    void handshake(link_ptr from, routed_handshake h);

    // backend_events
    void remote_presence(std::string server, std::vector<std::string> peer_ids, presence_change change) override;
    void remote_signal(server::remote_signal signal) override;

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
    // The ws-peer frame telling `receiver` of `peer_id`, under the receiver's own prefix.
    static frame_ptr peer_frame(peer const& receiver, std::string_view peer_id);
    void announce(peer& receiver, std::string_view peer_id);
    // The ws-peer frame announcing local peer `announced` to `receiver`, shared when it can be.
    frame_ptr announce_frame(peer const& receiver, peer& announced);
    // Sends `receiver` up to K peers, local then remote, continuing its rotation.
    void announce_next(peer& receiver);
    // Newcomers are announced to others in batches: a burst of joins costs a write per
    // receiver, not a write per receiver and newcomer.
    void queue_newcomer(peer const& p);
    void announce_newcomers();
    // Refreshes: each peer's next one at its jittered interval, all those due taken per tick.
    void schedule_refresh(peer& p, steady_time now, bool first = false);
    void arm_refresh_timer();
    void on_refresh_tick();

    // Federation (signalling_hub_federation.cpp).
    void on_remote_presence(std::string const& server, std::vector<std::string> const& ids, presence_change change);
    void on_remote_signal(server::remote_signal& s);
    bool forward_to_remote(peer& sender, routed_handshake& h);
    void publish_presence();
    void schedule_presence();
    void schedule_expiry();

    // Runs f under the lock, then delivers what it sent and writes what it logged.
    template <class F> void locked(F&& f);
    // A log line clients can provoke: formatted and written after the lock is released, and
    // at most a few a second per `throttle`.
    template <class... Args>
    void log_later(log_throttle& throttle, spdlog::level::level_enum level, fmt::format_string<Args...> format,
                   Args... args);
    static void write_logs(std::vector<std::function<void()>> lines);
    // Whether `receiver` may be sent one more handshake now (--max-received-per-second).
    bool receiver_has_room(peer& receiver, steady_time now);
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
    std::vector<std::string> newcomers_;  // keys joined since the last announce_newcomers()
    boost::asio::steady_timer newcomer_timer_;
    std::uint64_t join_seq_ = 0;
    steady_time last_refresh_tick_{};
    remote_peers remote_;
    std::unordered_map<std::string, pending_claim> claims_;  // by peer id key
    boost::asio::steady_timer presence_timer_;
    boost::asio::steady_timer expiry_timer_;
    std::minstd_rand rng_{std::random_device{}()};
    bool stopped_ = false;
    std::vector<std::function<void()>> log_lines_;  // written once the lock is released
    std::shared_ptr<spdlog::logger> logger_;
    log_throttle refusals_log_, takeovers_log_;
    log_throttle debug_log_{1000};  // debug and trace lines, when enabled
};

template <class F> void signalling_hub::locked(F&& f) {
    outbox::handover sent;
    std::vector<std::function<void()>> lines;
    {
        std::lock_guard lock(mutex_);
        f();
        sent = outbox_.take();
        if (!log_lines_.empty()) lines.swap(log_lines_);
    }
    outbox::deliver(std::move(sent));
    if (!lines.empty()) write_logs(std::move(lines));
}

template <class... Args>
void signalling_hub::log_later(log_throttle& throttle, spdlog::level::level_enum level,
                               fmt::format_string<Args...> format, Args... args) {
    if (!logger_->should_log(level)) return;
    std::uint64_t suppressed = 0;
    if (!throttle.allow(suppressed)) {
        inc(metrics_.log_lines_suppressed);
        return;
    }
    log_lines_.push_back([log = logger_, level, format, suppressed, args...] {
        if (suppressed) log->log(level, "({} similar lines suppressed)", suppressed);
        log->log(level, fmt::runtime(fmt::string_view(format)), args...);
    });
}

}  // namespace star::server
