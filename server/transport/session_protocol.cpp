#include "transport/session_protocol.hpp"

#include "protocol/client_event.hpp"

#include <algorithm>
#include <random>

namespace star::server {

namespace eio = protocol::engineio;
namespace sio = protocol::socketio;

session_protocol::session_protocol(eio::version v, std::string sid, config const& cfg, metrics& m,
                                   session_protocol_events& out)
    : version_(v), sid_(std::move(sid)), cfg_(cfg), metrics_(m), out_(out) {}

void session_protocol::open(steady_time now, bool offer_websocket) {
    out_.send_packet(eio::open_packet(version_, {sid_, cfg_.ping_interval, cfg_.ping_timeout, cfg_.max_message_size},
                                      offer_websocket));
    // A second's worth of messages to start with (a client's opening burst), up to two later.
    messages_.reset(cfg_.max_messages_per_second, now, cfg_.max_messages_per_second);
    pings_.reset(cfg_.max_pings_per_second, now);
    if (version_ == eio::version::v3) {
        // Engine.IO 3 clients (socket.io-client v2) are joined to "/" by the server at once,
        // and ping the server themselves.
        connected_ = true;
        out_.send_packet(sio::connect_frame(sio::dialect::v4_format, sid_));
        heartbeat_ = heartbeat::awaiting_client_ping;
        heartbeat_at_ = now + cfg_.ping_interval + cfg_.ping_timeout;
        return;
    }
    // The first ping after a random part (a half to all) of the interval: clients that
    // connected together are not all pinged together.
    thread_local std::minstd_rand rng{std::random_device{}()};
    auto first = std::chrono::duration_cast<steady_time::duration>(
        cfg_.ping_interval * std::uniform_real_distribution<double>(0.5, 1.0)(rng));
    heartbeat_ = heartbeat::ping_due;
    heartbeat_at_ = now + first;
    connect_deadline_ = now + cfg_.connect_timeout;
}

steady_time session_protocol::next_deadline() const {
    if (closed_) return steady_time::max();
    return connected_ ? heartbeat_at_ : std::min(heartbeat_at_, connect_deadline_);
}

void session_protocol::on_timer(steady_time now) {
    if (closed_) return;
    if (!connected_ && now >= connect_deadline_) {
        inc(metrics_.connect_timeouts);
        return close("no Socket.IO connect in time");
    }
    if (now < heartbeat_at_) return;
    if (heartbeat_ == heartbeat::ping_due) {
        out_.send_packet("2");
        heartbeat_ = heartbeat::awaiting_pong;
        heartbeat_at_ = now + cfg_.ping_timeout;
        return;
    }
    inc(metrics_.heartbeat_timeouts);
    close("ping timeout");
}

void session_protocol::on_binary() {
    if (!closed_) protocol_error("binary_unsupported");
}

// Engine.IO: as engine.io, an unparsable packet and a heartbeat in the wrong direction close
// the session; "open", "upgrade" and "noop" from a client are ignored.
void session_protocol::on_packet(std::string_view text, steady_time now) {
    if (closed_) return;
    auto packet = eio::parse(text);
    if (!packet) return protocol_error("bad_engineio_packet");
    switch (packet->type) {
        case eio::packet_type::message:
            if (within_rate_limit(now)) on_socketio(packet->data, now);
            return;
        case eio::packet_type::ping:
            if (version_ != eio::version::v3) return protocol_error("heartbeat_direction");
            if (!allow_ping(now)) return;
            out_.send_packet("3");  // as engine.io: a bare pong, whatever the ping carried
            heartbeat_at_ = now + cfg_.ping_interval + cfg_.ping_timeout;
            return;
        case eio::packet_type::pong:
            if (version_ == eio::version::v3) return protocol_error("heartbeat_direction");
            if (heartbeat_ == heartbeat::awaiting_pong) {
                heartbeat_ = heartbeat::ping_due;
                heartbeat_at_ = now + cfg_.ping_interval;
            }
            return;
        case eio::packet_type::close:
            return close("client sent Engine.IO close");
        case eio::packet_type::open:
        case eio::packet_type::upgrade:
        case eio::packet_type::noop:
            return;
    }
}

// A flood costs the attacker reconnects rather than costing us a third of a core to parse.
bool session_protocol::allow_ping(steady_time now) {
    if (closed_) return false;
    if (pings_.allow(now)) return true;
    metrics_.dropped.inc("ping_rate_limited");
    if (++pings_dropped_ >= 100ull * std::max(1u, cfg_.max_pings_per_second)) close("ping flood", true);
    return false;
}

bool session_protocol::within_rate_limit(steady_time now) {
    if (messages_.allow(now)) return true;
    metrics_.dropped.inc("rate_limited");
    return false;
}

// Socket.IO: a packet socket.io's parser refuses, binary, or a packet for a namespace the
// client never connected to closes the session, as socket.io does; a well-formed event we
// do not act on is dropped and counted.
void session_protocol::on_socketio(std::string_view text, steady_time now) {
    auto p = sio::parse(text);
    if (!p) return protocol_error("bad_socketio_packet");
    if (p->binary()) return protocol_error("binary_unsupported");
    // An EVENT's data is validated once, by on_event's parse (the hot path: handshakes carry
    // kilobytes of SDP); other packets are small and checked here.
    if (p->type != sio::packet_type::event) {
        if (auto why = sio::invalid_reason(*p); !why.empty()) return protocol_error(why);
    }
    on_socketio_packet(*p, now);
}

void session_protocol::on_socketio_packet(sio::packet const& p, steady_time now) {
    auto dialect = version_ == eio::version::v3 ? sio::dialect::v4_format : sio::dialect::v5;
    if (p.type == sio::packet_type::connect) {
        if (p.nsp != "/") {
            metrics_.dropped.inc("invalid_namespace");
            out_.send_packet(sio::connect_error_frame(dialect, p.nsp, "Invalid namespace"));
            return;
        }
        if (!connected_ || dialect == sio::dialect::v5) out_.send_packet(sio::connect_frame(dialect, sid_));
        connected_ = true;
        return;
    }
    if (p.nsp != "/" || !connected_ || p.type == sio::packet_type::connect_error)
        return protocol_error("namespace_not_connected");
    switch (p.type) {
        case sio::packet_type::disconnect:
            connected_ = false;
            connect_deadline_ = now + cfg_.connect_timeout;
            out_.left_namespace();
            return;
        case sio::packet_type::event:
            on_event(p, now);
            return;
        default:
            return;  // an ACK: the server never asks for one
    }
}

void session_protocol::on_event(sio::packet const& p, steady_time now) {
    auto event = protocol::parse_client_event(p.data);
    if (!event || event->kind == protocol::client_event_kind::unknown) {
        // Only now tell malformed (socket.io closes) from well-formed but not ours (dropped).
        if (auto why = sio::invalid_reason(p); !why.empty()) return protocol_error(why);
        metrics_.dropped.inc(event ? "unknown_event" : "bad_event");
        return;
    }
    switch (event->kind) {
        case protocol::client_event_kind::join:
            on_join(event->arg, p.ack_id);
            return;
        case protocol::client_event_kind::leave:
            out_.leave();
            ack(p.ack_id, "[null]");
            return;
        case protocol::client_event_kind::handshake:
            on_handshake(event->arg, now);
            ack(p.ack_id, "[null]");
            return;
        case protocol::client_event_kind::unknown:
            return;  // handled above
    }
}

void session_protocol::on_join(std::optional<protocol::json::value> const& arg, std::optional<std::uint64_t> ack_id) {
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
        signalling_hub::count_refused_join(metrics_, "invalid_address");
        out_.send_packet(protocol::join_refusal_frame(ack_id, error));
        return;
    }
    out_.join(std::move(*parsed.address), ack_id);
}

void session_protocol::on_handshake(std::optional<protocol::json::value> const& arg, steady_time now) {
    auto parsed = protocol::parse_handshake(arg);
    if (!parsed.value) return handshake_router::count_invalid(metrics_, parsed.error);
    auto r = route_of(std::move(*parsed.value), now);
    out_.handshake(std::move(r));
}

void session_protocol::ack(std::optional<std::uint64_t> ack_id, std::string_view args) {
    if (ack_id) out_.send_packet(sio::ack_frame(*ack_id, args));
}

void session_protocol::protocol_error(std::string_view reason) {
    metrics_.protocol_errors.inc(reason);
    close(reason);
}

void session_protocol::close(std::string_view why, bool policy_violation) {
    if (closed_) return;
    closed_ = true;
    out_.close_session(why, policy_violation);
}

}  // namespace star::server
