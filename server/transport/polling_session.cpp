#include "transport/polling_session.hpp"

#include "logger.hpp"
#include "random_id.hpp"
#include "transport/polling_registry.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

namespace star::server {
namespace net = boost::asio;
namespace eio = protocol::engineio;

namespace {

spdlog::logger& log() { return *logger_for("transport"); }

constexpr std::string_view payload_type = "text/plain; charset=UTF-8";

polling_reply payload_reply(std::string payload) { return {200, std::string(payload_type), std::move(payload)}; }

// engine.io answers a request it refuses mid-session with a bare 400 (overlap) or, for a
// session that is gone or on another transport, the handshake error's JSON.
polling_reply error_reply(eio::handshake_error e) { return {400, "application/json", eio::error_body(e)}; }

}  // namespace

polling_session::polling_session(net::any_io_executor executor, eio::version v, server_context& ctx, socket_slot slot)
    : session_base(ctx.sessions.next_id()),
      executor_(std::move(executor)),
      ctx_(ctx),
      slot_(std::move(slot)),
      protocol_(v, random_id(), ctx.cfg, ctx.stats, *this),
      timer_(executor_) {}

void polling_session::start(polling_reply_fn reply) {
    net::dispatch(executor_, [self = shared_from_this(), reply = std::move(reply)]() mutable {
        self->ctx_.sessions.add(self->id(), self->weak_from_this());
        self->ctx_.polling.add(self->sid(), self);
        self->ctx_.stats.connections.fetch_add(1, std::memory_order_relaxed);
        inc(self->ctx_.stats.connections_total);
        self->ctx_.stats.polling_sessions.fetch_add(1, std::memory_order_relaxed);
        inc(self->ctx_.stats.polling_sessions_total);
        bool websocket = self->ctx_.cfg.transports_websocket;
        self->protocol_.open(std::chrono::steady_clock::now(), websocket);
        if (self->finished_ || self->queue_.empty()) return reply(error_reply(eio::handshake_error::bad_request));
        // The open packet alone answers the handshake, as engine.io does; the rest (the
        // Engine.IO 3 connect) waits for the next GET.
        std::string payload;
        eio::append_to_payload(payload, self->protocol_.version(), *self->queue_.front());
        self->queued_bytes_ -= self->queue_.front()->size();
        self->queue_.pop_front();
        reply(payload_reply(std::move(payload)));
        self->arm_timer();
    });
}

void polling_session::poll(polling_reply_fn reply, void const* request) {
    net::dispatch(executor_, [self = shared_from_this(), reply = std::move(reply), request]() mutable {
        self->on_poll(std::move(reply), request);
    });
}

void polling_session::poll_abandoned(void const* request) {
    net::dispatch(executor_, [self = shared_from_this(), request] {
        if (self->pending_poll_ && self->pending_poll_request_ == request)
            self->finish("poll connection closed prematurely", "1");
    });
}

void polling_session::on_poll(polling_reply_fn reply, void const* request) {
    if (finished_) return reply(error_reply(eio::handshake_error::unknown_sid));
    if (upgraded_) return reply(error_reply(eio::handshake_error::bad_request));
    on_client_request();
    if (pending_poll_) {
        // Two GETs at once: engine.io closes the session; the first GET carries the close.
        reply({400, "text/plain", {}});
        ctx_.stats.protocol_errors.inc("overlapping_request");
        return finish("overlapping GET", "1");
    }
    pending_poll_ = std::move(reply);
    pending_poll_request_ = request;
    // While an upgrade is being probed, a GET is answered at once, with a noop if need be:
    // the client waits for it to return before it sends the upgrade.
    if (!queue_.empty() || probed_) flush_to_poll();
}

void polling_session::post(std::string body, polling_reply_fn reply) {
    net::dispatch(executor_, [self = shared_from_this(), body = std::move(body), reply = std::move(reply)] {
        self->on_post(body, reply);
    });
}

void polling_session::on_post(std::string const& body, polling_reply_fn const& reply) {
    if (finished_) return reply(error_reply(eio::handshake_error::unknown_sid));
    if (upgraded_) return reply(error_reply(eio::handshake_error::bad_request));
    on_client_request();
    auto packets = eio::decode_payload(protocol_.version(), body);
    if (!packets) {
        reply(error_reply(eio::handshake_error::bad_request));
        ctx_.stats.protocol_errors.inc("bad_polling_payload");
        return finish("malformed polling payload", "1");
    }
    auto now = std::chrono::steady_clock::now();
    for (auto packet : *packets) {
        inc(ctx_.stats.frames_received);
        if (packet == "1") {
            reply({200, "text/html", "ok"});
            return finish("client sent Engine.IO close", "6");  // engine.io ends the GET with a noop
        }
        protocol_.on_packet(packet, now);
        if (protocol_.closed()) break;
    }
    reply({200, "text/html", "ok"});
    arm_timer();
}

void polling_session::deliver(frame_ptr frame, steady_time) { enqueue(std::move(frame)); }

void polling_session::enqueue(frame_ptr frame) {
    if (finished_) return;
    if (upgraded_) {
        net::post(carrier_->executor(),
                  [c = carrier_, frame = std::move(frame)]() mutable { c->deliver(std::move(frame), {}); });
        return;
    }
    if (queued_bytes_ + frame->size() > ctx_.cfg.max_queued_bytes) {
        inc(ctx_.stats.slow_consumers);
        ctx_.stats.dropped.inc("queue_full");
        return finish("send queue full", "1");
    }
    queued_bytes_ += frame->size();
    queue_.push_back(std::move(frame));
    // Packets queued by the handlers that run before the next turn leave in one response.
    if (!pending_poll_ || flush_scheduled_) return;
    flush_scheduled_ = true;
    net::post(executor_, [self = shared_from_this()] {
        self->flush_scheduled_ = false;
        if (self->pending_poll_ && !self->finished_ && !self->upgraded_) self->flush_to_poll();
    });
}

void polling_session::flush_to_poll() {
    std::string payload;
    auto v = protocol_.version();
    for (auto const& f : queue_) eio::append_to_payload(payload, v, *f);
    ctx_.stats.frames_sent.fetch_add(queue_.size(), std::memory_order_relaxed);
    queue_.clear();
    queued_bytes_ = 0;
    if (payload.empty()) eio::append_to_payload(payload, v, "6");
    answer_poll(std::move(payload));
}

void polling_session::answer_poll(std::string payload) {
    if (!pending_poll_) return;
    auto reply = std::exchange(pending_poll_, nullptr);
    reply(payload_reply(std::move(payload)));
}

void polling_session::arm_timer() {
    if (finished_) return;
    auto at = std::min({protocol_.next_deadline(), upgrade_deadline_, probe_deadline_});
    if (at == timer_at_) return;
    timer_at_ = at;
    if (at == steady_time::max()) return static_cast<void>(timer_.cancel());
    timer_.expires_at(at);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec || self->finished_) return;
        self->timer_at_ = steady_time::max();
        auto now = std::chrono::steady_clock::now();
        if (now >= self->upgrade_deadline_) {
            // engine.io's upgradeTimeout: a probe that never became an upgrade is dropped.
            self->upgrade_deadline_ = steady_time::max();
            if (!self->upgraded_) self->abort_upgrade("upgrade not completed in time");
        }
        if (now >= self->probe_deadline_) {
            self->finish_probe(false);
            return self->finish("did not answer a liveness ping", "1");
        }
        self->protocol_.on_timer(now);
        self->arm_timer();
    });
}

void polling_session::close_session(std::string_view why) { finish(why, "1"); }

// The session ends: a pending GET gets `last_packet` ("1", or "6" when the client closed),
// the WebSocket (if any) is closed, and the hub forgets the link.
void polling_session::finish(std::string_view why, std::string_view last_packet) {
    if (finished_) return;
    finished_ = true;
    log().debug("polling session {}: closing: {}", id(), why);
    if (pending_poll_) {
        std::string payload;
        for (auto const& f : queue_) eio::append_to_payload(payload, protocol_.version(), *f);
        eio::append_to_payload(payload, protocol_.version(), last_packet);
        answer_poll(std::move(payload));
    }
    queue_.clear();
    queued_bytes_ = 0;
    timer_.cancel();
    finish_probe(false);
    if (carrier_) std::exchange(carrier_, nullptr)->drop(why);
    ctx_.polling.remove(sid());
    ctx_.sessions.remove(id());
    ctx_.stats.connections.fetch_sub(1, std::memory_order_relaxed);
    ctx_.stats.polling_sessions.fetch_sub(1, std::memory_order_relaxed);
    ctx_.hub.disconnected(shared_from_this());
}

void polling_session::drop(std::string_view why) {
    net::post(executor_, [self = shared_from_this(), why = std::string(why)] { self->finish(why, "1"); });
}

// Shutdown: an upgraded session closes its WebSocket with 1001, as a WebSocket-only one does
// (its end then ends the session); a polling one gets the close packet on its GET.
void polling_session::close_going_away() {
    net::post(executor_, [self = shared_from_this()] {
        if (self->upgraded_ && self->carrier_ && !self->finished_) return self->carrier_->close_going_away();
        self->finish("server shutting down", "1");
    });
}

// A takeover asks whether this holder is alive. Engine.IO 4: a ping goes out (it ends the
// pending GET) and any request from the client within --takeover-probe-timeout proves it
// alive. Engine.IO 3 cannot be pinged: a pending GET is taken as proof, or else a request in
// time. An upgraded session is asked over its WebSocket.
void polling_session::probe(std::function<void(bool alive)> done) {
    net::post(executor_, [self = shared_from_this(), done = std::move(done)]() mutable {
        if (self->finished_) return done(false);
        if (!self->upgraded_) {
            if (self->protocol_.version() == eio::version::v3 && self->pending_poll_) return done(true);
            self->probe_waiters_.push_back(std::move(done));
            if (self->probe_deadline_ != steady_time::max()) return;  // a probe is already out
            self->probe_deadline_ = std::chrono::steady_clock::now() + self->ctx_.cfg.takeover_probe_timeout;
            if (self->protocol_.version() == eio::version::v4) self->enqueue(make_frame("2"));
            return self->arm_timer();
        }
        self->carrier_->probe(
            [self, done = std::move(done)](bool alive) { net::post(self->executor_, [done, alive] { done(alive); }); });
    });
}

void polling_session::on_client_request() {
    if (!probe_waiters_.empty()) finish_probe(true);
}

void polling_session::finish_probe(bool alive) {
    probe_deadline_ = steady_time::max();
    auto waiters = std::exchange(probe_waiters_, {});
    for (auto& w : waiters) w(alive);
}

void polling_session::join(protocol::star_address address, std::optional<std::uint64_t> ack_id) {
    ctx_.hub.join(shared_from_this(), std::move(address), ack_id);
}
void polling_session::leave() { ctx_.hub.leave(shared_from_this()); }
void polling_session::handshake(routed_handshake h) { ctx_.hub.handshake(shared_from_this(), std::move(h)); }
void polling_session::left_namespace() { ctx_.hub.disconnected(shared_from_this()); }

}  // namespace star::server
