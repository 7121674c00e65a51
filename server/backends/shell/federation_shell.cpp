// The shell's life and its link: start, the synchronous stop, reconnection, health, and what
// arrives from the relay. Publishing is in federation_shell_publish.cpp.
#include "backends/shell/federation_shell.hpp"

#include "clock.hpp"
#include "logger.hpp"

#include <boost/asio/post.hpp>

#include <pthread.h>
#include <csignal>

namespace star::server::shell {
namespace net = boost::asio;
namespace fed = protocol::federation;

namespace {

std::shared_ptr<spdlog::logger> const& log() { return logger_for("signalling"); }

}  // namespace

federation_shell::federation_shell(metrics& m, engine_factory const& make_engine, shell_timing timing, runner run)
    : metrics_(m),
      timing_(timing),
      runner_(run),
      work_(net::make_work_guard(io_)),
      flush_timer_(io_),
      reconnect_timer_(io_),
      shutdown_timer_(io_),
      engine_(make_engine(engine_context{io_, *this})),
      server_id_(engine_->server_id()) {
    link_problem_ = std::string("not yet connected to its relay (") + engine_->name() + ")";
    metrics_.federation_degraded.store(1);
}

federation_shell::~federation_shell() { stop(); }

void federation_shell::start(backend_events& events) {
    events_ = &events;
    started_ = true;
    engine_->log_start();
    net::post(io_, [this] { engine_->connect(); });
    if (runner_ == runner::caller) return;
    thread_ = std::thread([this] {
        // An engine may write with write(2) (hiredis does): to a connection the relay closed that
        // raises SIGPIPE, which would end the process. Blocked on this thread, where every engine
        // writes, such a write fails with EPIPE instead and the engine reports the loss.
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
        io_.run();
    });
}

// Synchronous: after it returns, nothing of ours calls into the hub.
void federation_shell::stop() {
    if (!started_ || stopping_.exchange(true)) return;
    net::post(io_, [this] { begin_shutdown(); });
    if (thread_.joinable()) thread_.join();
    else io_.run();  // runner::caller: until finish_shutdown stops the context
}

// SIGHUP, on the signal thread. The servers the engine no longer trusts are forgotten on the backend
// thread, after whatever the old trust let in: their peers are no longer dialable from here.
void federation_shell::reload() {
    auto revoked = engine_->reload();
    if (revoked.empty()) return;
    net::post(io_, [this, revoked = std::move(revoked)] {
        if (!events_ || shutting_down_) return;
        for (auto const& id : revoked) events_->remote_server_gone(id);
    });
}

std::optional<std::string> federation_shell::degraded() const {
    {
        std::lock_guard lock(health_mutex_);
        if (link_problem_) return link_problem_;
        if (relay_problem_) return relay_problem_;
    }
    return engine_->problem();
}

void federation_shell::update_degraded() {
    metrics_.federation_degraded.store(link_problem_ || relay_problem_ ? 1 : 0);
}

void federation_shell::link_up(std::string_view how) {
    if (shutting_down_) return;
    backoff_.reset();
    reconnect_timer_.cancel();  // a connection already under way succeeded: no other one
    {
        std::lock_guard lock(health_mutex_);
        if (link_problem_) log()->info("{} backend: {}, federation up", engine_->name(), how);
        link_problem_.reset();
        update_degraded();
    }
    if (up_) return;
    up_ = true;
    // Others forgot our peers if we were away longer than their TTL (and never heard of those that
    // joined meanwhile): all of them again, then the leaves that waited.
    publish_snapshot({own_peers_.begin(), own_peers_.end()});
    flush_presence();
}

void federation_shell::link_lost(std::string reason, reconnect_pace pace) {
    if (shutting_down_) return;
    inc(metrics_.federation_backend_errors);
    if (up_) inc(metrics_.federation_reconnects);
    up_ = false;
    {
        std::lock_guard lock(health_mutex_);
        if (!link_problem_ || *link_problem_ != reason) log()->warn("{} backend degraded: {}", engine_->name(), reason);
        link_problem_ = std::move(reason);
        update_degraded();
    }
    if (reconnect_armed_) return;  // one reconnection at a time
    reconnect_armed_ = true;
    reconnect_timer_.expires_after(backoff_.next(pace));
    reconnect_timer_.async_wait([this](boost::system::error_code ec) {
        reconnect_armed_ = false;
        if (!ec && !shutting_down_) engine_->connect();
    });
}

void federation_shell::relay_problem(std::optional<std::string> reason) {
    std::lock_guard lock(health_mutex_);
    if (reason && (!relay_problem_ || *relay_problem_ != *reason))
        log()->warn("{} backend not ready: {}", engine_->name(), *reason);
    if (!reason && relay_problem_) log()->info("{} backend: the relay reports itself ready", engine_->name());
    relay_problem_ = std::move(reason);
    update_degraded();
}

void federation_shell::received(fed::envelope e) {
    if (shutting_down_) return;  // stop_receiving came first; nothing reaches the hub any more
    if (e.from == server_id_) return metrics_.federation_dropped.inc("own_echo");
    if (e.is_signal() && e.to != server_id_) return metrics_.federation_dropped.inc("not_for_us");
    inc(metrics_.federation_received);
    if (auto age = now_ms() - e.ts; age >= 0)
        metrics_.federation_crossing_latency.observe(std::chrono::milliseconds(age));
    switch (e.type) {
        case fed::envelope_type::presence:
            return events_->remote_presence(e.from, std::move(e.peers), presence_change::snapshot);
        case fed::envelope_type::join:
            engine_->traffic_likely();  // local peers hear of these newcomers now and may dial them
            return events_->remote_presence(e.from, std::move(e.peers), presence_change::joined);
        case fed::envelope_type::leave:
            return events_->remote_presence(e.from, std::move(e.peers), presence_change::left);
        case fed::envelope_type::signal:
        case fed::envelope_type::unavailable:
            engine_->traffic_likely();  // an answer or more candidates follow
            metrics_.federation_signals.inc("received");
            events_->remote_signal({e.from, std::move(e.src), std::move(e.dst), std::move(e.intent), e.answer,
                                    e.type == fed::envelope_type::unavailable, std::move(e.payload)});
            return;
    }
}

// Shutdown, step 1 and 2: nothing received reaches the hub any more; the leaves of every peer that
// went are published (when the relay is there to take them).
void federation_shell::begin_shutdown() {
    shutting_down_ = true;
    reconnect_timer_.cancel();
    engine_->stop_receiving();
    flush_timer_.cancel();
    flush_presence();
    shutdown_timer_.expires_after(timing_.leave_publish_bound);
    shutdown_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        log()->warn("{} backend: stopping without confirmation that our leaves were published", engine_->name());
        finish_shutdown();
    });
    maybe_finish_shutdown();
}

// Step 3: once the relay took everything (or cannot: it is away).
void federation_shell::maybe_finish_shutdown() {
    if (!up_ || in_flight_ == 0) finish_shutdown();
}

void federation_shell::finish_shutdown() {
    if (finished_) return;
    finished_ = true;
    shutdown_timer_.cancel();
    engine_->close();  // may answer what was in flight: on_result finds finished_ and ends there
    work_.reset();
    io_.stop();  // handlers still queued (retries, timers) are dropped, never run
}

}  // namespace star::server::shell
