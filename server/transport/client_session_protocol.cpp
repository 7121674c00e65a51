// Protocol half of client_session: Engine.IO packets, the Socket.IO namespace handshake and
// the webrtc-star events. Validation happens here, on the connection's own thread; only
// well-formed requests reach the signalling hub.
#include "transport/client_session.hpp"

#include "protocol/client_event.hpp"

#include <spdlog/spdlog.h>

namespace star::server {

namespace eio = protocol::engineio;
namespace sio = protocol::socketio;

template <class Stream>
void client_session<Stream>::on_engineio(std::string_view text) {
    auto packet = eio::parse(text);
    if (!packet) {
        ctx_.stats.dropped.inc("bad_packet");
        return;
    }
    switch (packet->type) {
        case eio::packet_type::message:
            if (within_rate_limit()) on_socketio(packet->data);
            return;
        case eio::packet_type::ping:
            // Engine.IO 3 heartbeat (and "2probe"): answer with the same data.
            enqueue("3" + std::string(packet->data.substr(0, 64)));
            if (version_ == eio::version::v3) expect_client_ping();
            return;
        case eio::packet_type::pong:
            if (version_ == eio::version::v4 && awaiting_pong_) schedule_ping();
            return;
        case eio::packet_type::close:
            close_now("client sent Engine.IO close");
            return;
        case eio::packet_type::noop:
        case eio::packet_type::upgrade:
            return;
        case eio::packet_type::open:
            break;
    }
    ctx_.stats.dropped.inc("bad_packet");
}

template <class Stream>
bool client_session<Stream>::within_rate_limit() {
    unsigned rate = ctx_.cfg.max_messages_per_second;
    if (rate == 0) return true;
    auto now = read_at_;
    double burst = 2.0 * rate;
    tokens_ = std::min(burst, tokens_ + std::chrono::duration<double>(now - tokens_at_).count() * rate);
    tokens_at_ = now;
    if (tokens_ < 1) {
        ctx_.stats.dropped.inc("rate_limited");
        return false;
    }
    tokens_ -= 1;
    return true;
}

template <class Stream>
void client_session<Stream>::on_socketio(std::string_view text) {
    auto p = sio::parse(text);
    if (!p) {
        ctx_.stats.dropped.inc("bad_packet");
        return;
    }
    if (p->binary()) {
        ctx_.stats.dropped.inc("binary_unsupported");
        return;
    }
    auto dialect = version_ == eio::version::v3 ? sio::dialect::v4_format : sio::dialect::v5;
    if (p->nsp != "/") {
        ctx_.stats.dropped.inc("invalid_namespace");
        if (p->type == sio::packet_type::connect)
            enqueue(sio::connect_error_frame(dialect, p->nsp, "Invalid namespace"));
        return;
    }
    switch (p->type) {
        case sio::packet_type::connect:
            if (!connected_ || dialect == sio::dialect::v5) enqueue(sio::connect_frame(dialect, sid_));
            connected_ = true;
            return;
        case sio::packet_type::disconnect:
            // The client leaves the namespace: for webrtc-star that is a disconnect.
            connected_ = false;
            ctx_.hub.disconnected(this->shared_from_this());
            return;
        case sio::packet_type::event:
            if (!connected_) {
                ctx_.stats.dropped.inc("not_connected");
                return;
            }
            on_event(*p);
            return;
        case sio::packet_type::ack:
            return;  // the server never asks for acks
        default:
            ctx_.stats.dropped.inc("bad_packet");
            return;
    }
}

template <class Stream>
void client_session<Stream>::on_event(sio::packet const& p) {
    auto event = protocol::parse_client_event(p.data);
    if (!event) {
        ctx_.stats.dropped.inc("bad_event");
        return;
    }
    switch (event->kind) {
        case protocol::client_event_kind::join:
            on_join(event->arg, p.ack_id);
            return;
        case protocol::client_event_kind::leave:
            ctx_.hub.leave(this->shared_from_this());
            ack(p.ack_id, "[null]");
            return;
        case protocol::client_event_kind::handshake:
            on_handshake(event->arg);
            ack(p.ack_id, "[null]");
            return;
        case protocol::client_event_kind::unknown:
            ctx_.stats.dropped.inc("unknown_event");
            return;
    }
}

template <class Stream>
void client_session<Stream>::on_join(std::optional<protocol::json::value> const& arg, std::optional<std::uint64_t> ack_id) {
    std::string error;
    protocol::star_address_result parsed;
    if (!arg || arg->type != protocol::json::kind::string) {
        error = "ss-join expects a webrtc-star multiaddr string";
    } else if (arg->text.size() > protocol::max_star_address_length + 2) {
        error = "invalid multiaddr: too long";
    } else {
        parsed = protocol::parse_star_address(protocol::json::unescape(arg->text));
        if (!parsed.address) error = "invalid multiaddr: " + parsed.error;
    }
    if (!error.empty()) {
        inc(ctx_.stats.joins_total);
        inc(ctx_.stats.joins_failure);
        ctx_.stats.joins_refused.inc("invalid_address");
        std::string quoted;
        protocol::json::append_quoted(quoted, error);
        if (ack_id) enqueue(sio::ack_frame(*ack_id, "[" + quoted + "]"));
        else enqueue(protocol::error_event_frame(error));
        return;
    }
    ctx_.hub.join(this->shared_from_this(), std::move(*parsed.address), ack_id);
}

template <class Stream>
void client_session<Stream>::on_handshake(std::optional<protocol::json::value> const& arg) {
    auto parsed = protocol::parse_handshake(arg);
    if (!parsed.value) {
        inc(ctx_.stats.dials_total);
        inc(ctx_.stats.dials_failure);
        ctx_.stats.dropped.inc(parsed.error);
        return;
    }
    auto& h = *parsed.value;
    routed_handshake r;
    r.src_key = std::move(h.src.key);
    r.dst_key = std::move(h.dst.key);
    r.intent_id = std::move(h.intent_id);
    r.answer = h.answer;
    r.forward = std::make_shared<std::string const>(protocol::ws_handshake_frame(h.payload));
    r.received = read_at_;
    ctx_.hub.handshake(this->shared_from_this(), std::move(r));
}

template <class Stream>
void client_session<Stream>::ack(std::optional<std::uint64_t> ack_id, std::string_view args) {
    if (ack_id) enqueue(sio::ack_frame(*ack_id, args));
}

template class client_session<plain_stream>;
template class client_session<tls_stream>;

}  // namespace star::server
