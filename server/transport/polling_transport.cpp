#include "transport/polling_transport.hpp"

#include "transport/engineio_session.hpp"

#include "protocol/websocket.hpp"

#include <boost/asio/dispatch.hpp>

namespace star::server {
namespace net = boost::asio;
namespace eio = protocol::engineio;

namespace {

constexpr std::string_view payload_type = "text/plain; charset=UTF-8";

polling_reply payload_reply(std::string payload) { return {200, std::string(payload_type), std::move(payload)}; }

// engine.io answers a request it refuses mid-session with a bare 400 (overlap) or, for a
// session that is gone or on another transport, the handshake error's JSON.
polling_reply error_reply(eio::handshake_error e) { return {400, "application/json", eio::error_body(e)}; }

}  // namespace

polling_transport::polling_transport(std::shared_ptr<engineio_session> session, socket_slot slot)
    : session_(std::move(session)), version_(session_->version()), slot_(std::move(slot)) {}

void polling_transport::start(polling_reply_fn reply) {
    net::dispatch(session_->executor(), [self = shared_from_this(), reply = std::move(reply)]() mutable {
        auto& s = *self->session_;
        s.open_polling(self);
        if (s.finished() || !s.has_queued()) return reply(error_reply(eio::handshake_error::bad_request));
        // The open packet alone answers the handshake, as engine.io does; the rest (the
        // Engine.IO 3 connect) waits for the next GET.
        outgoing open;
        s.take_queued(open);
        std::string payload;
        eio::append_to_payload(payload, self->version_, *open.frame);
        s.sent(open);
        s.account();
        reply(payload_reply(std::move(payload)));
    });
}

void polling_transport::poll(polling_reply_fn reply, void const* request) {
    net::dispatch(session_->executor(), [self = shared_from_this(), reply = std::move(reply), request]() mutable {
        self->on_poll(std::move(reply), request);
    });
}

void polling_transport::poll_abandoned(void const* request) {
    net::dispatch(session_->executor(), [self = shared_from_this(), request] {
        if (self->pending_poll_ && self->pending_poll_request_ == request)
            self->session_->close("poll connection closed prematurely");
    });
}

void polling_transport::on_poll(polling_reply_fn reply, void const* request) {
    auto& s = *session_;
    if (s.finished()) return reply(error_reply(eio::handshake_error::unknown_sid));
    if (retired_) return reply(error_reply(eio::handshake_error::bad_request));
    s.on_alive();
    if (pending_poll_) {
        // Two GETs at once: engine.io closes the session; the first GET carries the close.
        reply({400, {}, {}});  // as engine.io: no body, no Content-Type
        s.context().metrics.protocol_errors.inc("overlapping_request");
        return s.close("overlapping GET");
    }
    pending_poll_ = std::move(reply);
    pending_poll_request_ = request;
    if (s.has_queued() || s.upgrade_probed()) flush();
}

void polling_transport::post(std::string body, polling_reply_fn reply) {
    net::dispatch(session_->executor(), [self = shared_from_this(), body = std::move(body), reply = std::move(reply)] {
        self->on_post(body, reply);
    });
}

void polling_transport::on_post(std::string const& body, polling_reply_fn const& reply) {
    auto& s = *session_;
    if (s.finished()) return reply(error_reply(eio::handshake_error::unknown_sid));
    if (retired_) return reply(error_reply(eio::handshake_error::bad_request));
    s.on_alive();
    auto packets = eio::decode_payload(version_, body);
    if (!packets) {
        reply(error_reply(eio::handshake_error::bad_request));
        s.context().metrics.protocol_errors.inc("bad_polling_payload");
        return s.close("malformed polling payload");
    }
    for (auto packet : *packets) {
        if (packet == "1") client_closed_ = true;
        s.on_text(*this, packet);
        if (s.finished()) break;
    }
    reply({200, "text/html", "ok"});
}

void polling_transport::send_ready() {
    if (pending_poll_ && !retired_) flush();
}

void polling_transport::end_pending_poll() {
    if (pending_poll_) flush();
}

void polling_transport::retire() {
    retired_ = true;
    if (!pending_poll_) return;
    std::string noop;
    eio::append_to_payload(noop, version_, "6");
    answer(std::move(noop));
}

// Engine.IO 4: a ping goes out (it ends the pending GET). Engine.IO 3 cannot be pinged: a
// pending GET is taken as proof, or else a request in time.
bool polling_transport::ping_for_liveness() {
    if (version_ == eio::version::v3) return pending_poll_ != nullptr;
    session_->deliver(make_frame("2"), {});
    return false;
}

// The session ends: a pending GET gets what is queued and the close packet ("1"; a noop when
// the client closed).
bool polling_transport::close(close_kind) {
    if (pending_poll_ && !retired_) flush(client_closed_ ? "6" : "1");
    return false;
}

void polling_transport::flush(std::string_view last_packet) {
    auto& s = *session_;
    std::string payload;
    for (outgoing p; s.take_queued(p);) {
        if (p.framed)
            protocol::websocket::for_each_text_frame(
                *p.frame, [&](std::string_view packet) { eio::append_to_payload(payload, version_, packet); });
        else eio::append_to_payload(payload, version_, *p.frame);
        s.sent(p);
    }
    s.account();
    if (!last_packet.empty()) eio::append_to_payload(payload, version_, last_packet);
    if (payload.empty()) eio::append_to_payload(payload, version_, "6");
    answer(std::move(payload));
}

void polling_transport::answer(std::string payload) {
    if (!pending_poll_) return;
    auto reply = std::exchange(pending_poll_, nullptr);
    reply(payload_reply(std::move(payload)));
}

}  // namespace star::server
