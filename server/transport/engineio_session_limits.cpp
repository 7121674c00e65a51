// engineio_session's limits, whatever the transport: its share of the memory budget, the ping
// limit, the liveness probe a claim on its peer id starts (and what counts as a sign of life),
// and the one timer that serves the protocol's, the upgrade's and the probe's deadlines.
#include "transport/engineio_session.hpp"

#include "wake_grid.hpp"

#include <boost/asio/post.hpp>

namespace star::server {
namespace net = boost::asio;

// What the session holds (its queued packets, and what its transports hold: a WebSocket
// message being received) against the budget; a session that grows past its share of a spent
// budget is shed.
void engineio_session::account() {
    if (finished_) return;
    std::size_t in_transports = (transport_ ? transport_->held() : 0) + (candidate_ ? candidate_->held() : 0);
    if (!budget_.update(queued_bytes_ + in_transports)) return;
    ctx_.budget.note_shed(id(), budget_.held(), queued_bytes_ > in_transports ? "queued sends" : "partial message");
    close("memory budget spent");
}

bool engineio_session::allow_ping() { return protocol_.allow_ping(std::chrono::steady_clock::now()); }

void engineio_session::probe(std::function<void(bool alive)> done) {
    net::post(executor_,
              [self = shared_from_this(), done = std::move(done)]() mutable { self->start_probe(std::move(done)); });
}

// A takeover asks whether this holder is alive: the transport pings the client its way, and
// anything from the client within --takeover-probe-timeout proves it alive.
void engineio_session::start_probe(std::function<void(bool alive)> done) {
    if (finished_ || !sending_) return done(false);
    probe_waiters_.push_back(std::move(done));
    if (probe_deadline_ != steady_time::max()) return;  // a probe is already out
    probe_backlogged_ = transport_->backlogged();
    probe_deadline_ = std::chrono::steady_clock::now() + ctx_.cfg.takeover_probe_timeout;
    if (transport_->ping_for_liveness()) return finish_probe(true);
    arm_timer();
}

// A client that is flooded reads our ping late, but it shows it is alive by sending anything,
// or by draining a send backlog the kernel had to wait on.
void engineio_session::on_alive() {
    if (!probe_waiters_.empty()) finish_probe(true);
}

void engineio_session::on_backlog_drained() {
    if (probe_backlogged_ && !probe_waiters_.empty()) finish_probe(true);
}

void engineio_session::finish_probe(bool alive) {
    probe_deadline_ = steady_time::max();
    auto waiters = std::exchange(probe_waiters_, {});
    for (auto& w : waiters) w(alive);
}

// One timer for every deadline, on the wake grid (shared with every session of the thread); it
// is re-armed only when the next one moves (a pong, an Engine.IO 3 ping, a probe), not on
// every message.
void engineio_session::arm_timer() {
    if (finished_) return;
    auto at = on_wake_grid(std::min({protocol_.next_deadline(), upgrade_.deadline(), probe_deadline_}));
    if (at == timer_at_) return;
    timer_at_ = at;
    if (at == steady_time::max()) return static_cast<void>(timer_.cancel());
    timer_.expires_at(at);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec || self->finished_) return;
        self->timer_at_ = steady_time::max();
        self->on_timer();
    });
}

void engineio_session::on_timer() {
    auto now = std::chrono::steady_clock::now();
    if (now >= probe_deadline_) {
        finish_probe(false);
        return close("did not answer a liveness ping");
    }
    on_upgrade_step(upgrade_.on_timer(now));
    protocol_.on_timer(now);
    arm_timer();
}

}  // namespace star::server
