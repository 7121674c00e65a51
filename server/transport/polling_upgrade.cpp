// The upgrade of a long-polling session to WebSocket, as engine.io does it: the client opens a
// WebSocket with the session's sid and sends "2probe"; we answer "3probe" on it and end the
// pending GET (a noop if nothing is queued); the client sends "5" and from then on every
// packet travels on the WebSocket, starting with those still queued, in order. Until "5",
// packets keep going to GETs, so none is lost or sent twice.
#include "transport/polling_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

namespace star::server {
namespace net = boost::asio;
namespace eio = protocol::engineio;

void polling_session::offer_carrier(std::shared_ptr<session_base> carrier) {
    net::dispatch(executor_, [self = shared_from_this(), carrier = std::move(carrier)] {
        if (self->finished_ || self->carrier_) {
            // engine.io closes a WebSocket for a session that is upgrading or upgraded.
            carrier->drop("session already upgrading or upgraded");
            return;
        }
        self->carrier_ = carrier;
        self->upgrade_deadline_ = std::chrono::steady_clock::now() + self->ctx_.cfg.handshake_timeout;
        self->arm_timer();
    });
}

void polling_session::carried_packet(session_base* carrier, std::string text, bool binary) {
    net::dispatch(executor_, [self = shared_from_this(), carrier, text = std::move(text), binary] {
        if (self->finished_ || self->carrier_.get() != carrier) return;
        if (!self->upgraded_) {
            if (binary) return self->abort_upgrade("binary packet during upgrade");
            return self->on_carried(text);
        }
        inc(self->ctx_.stats.frames_received);
        if (binary) self->protocol_.on_binary();
        else self->protocol_.on_packet(text, std::chrono::steady_clock::now());
        self->arm_timer();
    });
}

void polling_session::on_carried(std::string const& text) {
    if (text == "2probe") {
        probed_ = true;
        send_on_carrier({make_frame("3probe")});
        if (pending_poll_) flush_to_poll();
        return;
    }
    if (text == "5") return complete_upgrade();
    abort_upgrade("unexpected packet during upgrade");  // as engine.io: the session goes on polling
}

void polling_session::complete_upgrade() {
    upgraded_ = true;
    probed_ = false;
    upgrade_deadline_ = steady_time::max();
    inc(ctx_.stats.polling_upgrades_total);
    if (pending_poll_) {
        std::string noop;
        eio::append_to_payload(noop, protocol_.version(), "6");
        answer_poll(std::move(noop));
    }
    ctx_.stats.frames_sent.fetch_add(queue_.size(), std::memory_order_relaxed);
    send_on_carrier(std::exchange(queue_, {}));
    queued_bytes_ = 0;
    arm_timer();
}

void polling_session::abort_upgrade(std::string_view why) {
    probed_ = false;
    upgrade_deadline_ = steady_time::max();
    if (carrier_) std::exchange(carrier_, nullptr)->drop(why);
    arm_timer();
}

void polling_session::send_on_carrier(std::deque<frame_ptr> frames) {
    if (frames.empty()) return;
    net::post(carrier_->executor(), [c = carrier_, frames = std::move(frames)]() mutable {
        for (auto& f : frames) c->deliver(std::move(f), {});
    });
}

void polling_session::carrier_closed(session_base* carrier) {
    net::dispatch(executor_, [self = shared_from_this(), carrier] {
        if (self->carrier_.get() != carrier) return;
        if (self->upgraded_) return self->finish("WebSocket closed", "1");
        self->carrier_.reset();
        self->probed_ = false;
        self->upgrade_deadline_ = steady_time::max();
    });
}

}  // namespace star::server
