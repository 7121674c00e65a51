// Limits of client_session: its share of the memory budget, the deadline of a message being
// received, the ping rate, and the liveness probe a claim on its peer id starts (and what
// counts as a sign of life then).
#include "transport/client_session.hpp"

#include <boost/asio/post.hpp>

namespace star::server {

namespace net = boost::asio;
namespace beast = boost::beast;

// What the connection holds (its reader's buffers and its send queue) against the budget;
// a connection that grows past its share of a spent budget is dropped.
template <class Stream> void client_session<Stream>::account() {
    if (finished_) return;
    if (!budget_.update(reader_.held() + queued_bytes_)) return;
    ctx_.budget.note_shed(id(), budget_.held(), queued_bytes_ > reader_.held() ? "queued sends" : "partial message");
    close_now("memory budget spent");
}

// A message of N bytes must be complete within 5 s + N / --min-receive-rate of its first
// byte: a client cannot hold a nearly complete 1 MB frame until its heartbeat ends it.
template <class Stream> void client_session<Stream>::watch_receive_deadline(bool message_completed) {
    std::size_t pending = reader_.pending_message_size();
    if (pending == 0) {
        if (receive_timer_) receive_timer_->cancel(), receive_timer_.reset();
        return;
    }
    if (receive_timer_ && !message_completed) return;  // this message's deadline stands
    if (!receive_timer_) receive_timer_ = std::make_unique<net::steady_timer>(stream_.get_executor());
    auto allowed = std::chrono::seconds(5) +
                   std::chrono::milliseconds(pending * 1000 / std::max<std::size_t>(1, ctx_.cfg.min_receive_rate));
    receive_timer_->expires_after(allowed);
    receive_timer_->async_wait([self = this->shared_from_this()](boost::beast::error_code ec) {
        // A deadline replaced after this wait had already fired is not this wait's.
        if (ec || self->finished_ || !self->receive_timer_ ||
            self->receive_timer_->expiry() > std::chrono::steady_clock::now())
            return;
        inc(self->ctx_.stats.frame_deadlines);
        self->close_now("a message did not arrive in time");
    });
}

// Pings beyond the limit are not answered; a connection that keeps flooding (a hundred
// seconds' worth dropped) is closed with 1008, so that a flood costs the attacker reconnects
// rather than costing us a third of a core to parse.
template <class Stream> bool client_session<Stream>::within_ping_limit() {
    if (pings_.allow(std::chrono::steady_clock::now())) return true;
    ctx_.stats.dropped.inc("ping_rate_limited");
    if (++pings_dropped_ >= 100ull * std::max(1u, ctx_.cfg.max_pings_per_second)) {
        constexpr std::uint16_t policy_violation = 1008;
        send_close(policy_violation);
    }
    return false;
}

template <class Stream> void client_session<Stream>::probe(std::function<void(bool alive)> done) {
    net::post(stream_.get_executor(), [self = this->shared_from_this(), done = std::move(done)]() mutable {
        if (self->finished_ || self->closing_) {
            done(false);
            return;
        }
        self->probe_waiters_.push_back(std::move(done));
        if (self->probe_timer_) return;  // a probe is already out
        self->probe_received_at_ = self->bytes_received_;
        self->probe_drains_at_ = self->backlog_drains_;
        self->probe_backlogged_ = is_tls_v<Stream> ? self->writing_ : self->write_blocked_;
        self->probe_timer_ = std::make_unique<net::steady_timer>(self->stream_.get_executor());
        self->probe_timer_->expires_after(self->ctx_.cfg.takeover_probe_timeout);
        self->probe_timer_->async_wait([self](beast::error_code ec) {
            if (ec || !self->probe_timer_) return;
            if (self->shows_life_since_probe()) return self->finish_probe(true);
            self->finish_probe(false);
            self->close_now("did not answer a liveness ping");
        });
        self->enqueue_ping();
    });
}

template <class Stream> void client_session<Stream>::on_alive() {
    if (probe_timer_) finish_probe(true);
}

template <class Stream> void client_session<Stream>::finish_probe(bool alive) {
    if (probe_timer_) {
        probe_timer_->cancel();
        probe_timer_.reset();
    }
    auto waiters = std::move(probe_waiters_);
    probe_waiters_.clear();
    for (auto& w : waiters) w(alive);
}

// Control frames may go between messages (RFC 6455 5.4): a liveness ping need not wait behind
// a backlog of queued offers, only behind what is already being written.
template <class Stream> void client_session<Stream>::enqueue_ping() {
    if (closing_ || finished_) return;
    queue_.insert(queue_.begin() + static_cast<std::ptrdiff_t>(in_flight_), queued{nullptr, {}, ws_opcode::ping});
    schedule_flush();
}

// Besides a pong: anything received, or a backlog that was waiting on the kernel when the
// probe began and has drained since (the client reads, slowly, behind a flood).
template <class Stream> bool client_session<Stream>::shows_life_since_probe() const {
    return bytes_received_ != probe_received_at_ || (probe_backlogged_ && backlog_drains_ != probe_drains_at_);
}

template class client_session<plain_stream>;
template class client_session<tls_stream>;

}  // namespace star::server
