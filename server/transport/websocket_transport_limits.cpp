// What only a WebSocket has to bound or to offer: the deadline of a message being received,
// and the RFC 6455 ping a takeover's liveness probe sends. The rules (the probe's timeout,
// the ping limit, the memory budget) are engineio_session's.
#include "transport/engineio_session.hpp"
#include "transport/websocket_transport.hpp"

namespace star::server {

namespace net = boost::asio;

// A message of N bytes must be complete within 5 s + N / --min-receive-rate of its first
// byte: a client cannot hold a nearly complete 1 MB frame until its heartbeat ends it.
template <class Stream> void websocket_transport<Stream>::watch_receive_deadline(bool message_completed) {
    std::size_t pending = reader_.pending_message_size();
    if (pending == 0) {
        if (receive_timer_) receive_timer_->cancel(), receive_timer_.reset();
        return;
    }
    if (receive_timer_ && !message_completed) return;  // this message's deadline stands
    if (!receive_timer_) receive_timer_ = std::make_unique<net::steady_timer>(executor_);
    auto allowed = std::chrono::seconds(5) +
                   std::chrono::milliseconds(pending * 1000 / std::max<std::size_t>(1, ctx_.cfg.min_receive_rate));
    receive_timer_->expires_after(allowed);
    receive_timer_->async_wait([self = this->shared_from_this()](boost::beast::error_code ec) {
        // A deadline replaced after this wait had already fired is not this wait's.
        if (ec || self->finished_ || !self->receive_timer_ ||
            self->receive_timer_->expiry() > std::chrono::steady_clock::now())
            return;
        inc(self->ctx_.metrics.frame_deadlines);
        self->close_now("a message did not arrive in time");
    });
}

// Control frames may go between messages (RFC 6455 5.4): a liveness ping need not wait behind
// a backlog of queued offers, only behind what is already being written.
template <class Stream> bool websocket_transport<Stream>::ping_for_liveness() {
    if (closing_ || finished_) return false;
    queue_.insert(queue_.begin() + static_cast<std::ptrdiff_t>(in_flight_), queued{nullptr, {}, ws_opcode::ping});
    schedule_flush();
    return false;
}

template <class Stream> bool websocket_transport<Stream>::backlogged() const {
    if constexpr (is_tls_v<Stream>) return writing_;
    return write_blocked_;
}

template class websocket_transport<plain_stream>;
template class websocket_transport<tls_stream>;

}  // namespace star::server
