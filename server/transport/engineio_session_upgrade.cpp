// The switch of an engineio_session from long-polling to WebSocket: upgrade_handshake says
// each step, this carries it out on the two transports.
#include "transport/engineio_session.hpp"
#include "transport/polling_transport.hpp"

namespace star::server {

void engineio_session::offer_websocket(session_transport& websocket) {
    if (finished_ || !polling_ || !upgrade_.offer(std::chrono::steady_clock::now(), ctx_.cfg.handshake_timeout)) {
        // engine.io closes a WebSocket for a session that is upgrading or upgraded.
        websocket.close(close_kind::abort);
        return;
    }
    candidate_ = &websocket;
    arm_timer();
}

void engineio_session::on_upgrade_step(upgrade_handshake::step step) {
    switch (step) {
        case upgrade_handshake::step::none:
            return;
        case upgrade_handshake::step::answer_probe:
            candidate_->send_now(make_frame("3probe"));
            polling_->end_pending_poll();
            return;
        case upgrade_handshake::step::switch_transport:
            return switch_transport();
        case upgrade_handshake::step::abort:
            // As engine.io: the WebSocket is closed, the session goes on polling.
            if (auto c = std::exchange(candidate_, nullptr)) c->close(close_kind::abort);
            account();
            return arm_timer();
    }
}

// The pending GET ends with a noop; the packets still queued are the WebSocket's first, in
// order, and none has gone on a GET.
void engineio_session::switch_transport() {
    inc(ctx_.metrics.polling_upgrades_total);
    polling_->retire();
    transport_ = std::exchange(candidate_, nullptr);
    arm_timer();
    if (!queue_.empty()) transport_->send_ready();
}

}  // namespace star::server
