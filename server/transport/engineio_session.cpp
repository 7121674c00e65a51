// engineio_session's life (open, close, registration, counters), its send queue and the
// hub's calls.
#include "transport/engineio_session.hpp"

#include "logger.hpp"
#include "protocol/client_event.hpp"
#include "random_id.hpp"
#include "transport/polling_transport.hpp"

#include <boost/asio/post.hpp>

namespace star::server {
namespace net = boost::asio;

namespace {
spdlog::logger& log() { return *logger_for("transport"); }
}  // namespace

engineio_session::engineio_session(net::any_io_executor executor, protocol::engineio::version v, server_context& ctx,
                                   std::string client)
    : session_base(ctx.sessions.next_id()),
      executor_(std::move(executor)),
      ctx_(ctx),
      client_(std::move(client)),
      protocol_(v, random_id(), ctx.cfg, ctx.metrics, *this),
      budget_(ctx.budget),
      timer_(executor_) {}

void engineio_session::admitted(admission::ip_address client, admission::address_limits::slot slot) {
    client_ip_ = client;
    address_slot_ = std::move(slot);
}

void engineio_session::open_polling(std::shared_ptr<polling_transport> polling) {
    polling_ = polling;
    ctx_.polling.add(sid(), polling);
    ctx_.metrics.polling_sessions.fetch_add(1, std::memory_order_relaxed);
    inc(ctx_.metrics.polling_sessions_total);
    open(*polling_, true);
}

void engineio_session::attach_websocket(session_transport& websocket) {
    if (!opened_) return open(websocket, false);
    offer_websocket(websocket);  // engineio_session_upgrade.cpp
}

void engineio_session::open(session_transport& transport, bool polling) {
    opened_ = true;
    transport_ = &transport;
    ctx_.sessions.add(id(), weak_from_this());
    ctx_.metrics.connections.fetch_add(1, std::memory_order_relaxed);
    inc(ctx_.metrics.connections_total);
    protocol_.open(std::chrono::steady_clock::now(), polling && ctx_.cfg.transports_websocket);
    arm_timer();
}

void engineio_session::on_text(session_transport& from, std::string_view packet) {
    if (finished_) return;
    inc(ctx_.metrics.frames_received);
    if (&from == candidate_) return on_upgrade_step(upgrade_.on_packet(packet));
    if (&from != transport_) return;
    protocol_.on_packet(packet, std::chrono::steady_clock::now());
    arm_timer();
}

void engineio_session::on_binary(session_transport& from) {
    if (finished_) return;
    inc(ctx_.metrics.frames_received);
    if (&from == candidate_) return on_upgrade_step(upgrade_.on_binary());
    if (&from == transport_) protocol_.on_binary();  // socket.io refuses binary it was not told to expect
}

void engineio_session::enqueue(outgoing packet) {
    if (finished_ || !sending_) return;
    std::size_t size = packet.frame->size();
    if (queued_bytes_ + size > ctx_.cfg.max_queued_bytes) {
        // A client that does not read is cut off rather than buffered for without bound.
        inc(ctx_.metrics.slow_consumers);
        ctx_.metrics.dropped.inc("queue_full");
        return close("send queue full");
    }
    queued_bytes_ += size;
    queue_.push_back(std::move(packet));
    account();
    schedule_flush();
}

// The transport takes the queue on the loop's next turn, not at once: packets queued by the
// handlers that run before it (a batch of announcements, handshakes from several peers)
// leave together, in one write or one polling response.
void engineio_session::schedule_flush() {
    if (flush_scheduled_ || finished_) return;
    flush_scheduled_ = true;
    net::post(executor_, [self = shared_from_this()] {
        self->flush_scheduled_ = false;
        if (!self->finished_ && !self->queue_.empty()) self->transport_->send_ready();
    });
}

bool engineio_session::take_queued(outgoing& out) {
    if (queue_.empty()) return false;
    out = std::move(queue_.front());
    queue_.pop_front();
    return true;
}

// Counted here, for every transport; the caller calls account() once its batch is done.
void engineio_session::sent(outgoing const& packet) {
    ctx_.metrics.frames_sent.fetch_add(std::max<std::uint32_t>(packet.framed, 1), std::memory_order_relaxed);
    if (packet.received != steady_time{})
        ctx_.metrics.forward_latency.observe(std::chrono::steady_clock::now() - packet.received);
    discard(packet);
}

void engineio_session::discard(outgoing const& packet) {
    queued_bytes_ -= std::min(queued_bytes_, packet.frame ? packet.frame->size() : 0);
}

void engineio_session::stop_sending(session_transport& from) {
    if (&from != transport_) return;
    sending_ = false;
    for (auto const& p : queue_) discard(p);
    queue_.clear();
    account();
}

void engineio_session::close_session(std::string_view why, bool policy_violation) {
    close(why, policy_violation ? close_kind::policy_violation : close_kind::engineio_close);
}

// Why a session ended, with the fields a log shipper indexes (connection, client, reason).
void engineio_session::log_closing(std::string_view why) const {
    if (!log().should_log(spdlog::level::debug)) return;
    log_with(
        log(), spdlog::level::debug,
        {{log_key::connection, std::to_string(id())}, {log_key::client, client_}, {log_key::reason, std::string(why)}},
        "session {}: closing: {}", id(), why);
}

// A 1008 or 1001 closing handshake ends the session when it is over; otherwise the session
// ends now. On the session's own rules engine.io's socket is closed at once (socket.io says
// "disconnect") while its WebSocket's closing handshake goes on: so here, the transport closes
// the same way, by itself.
void engineio_session::close(std::string_view why, close_kind kind) {
    if (finished_) return;
    if (kind == close_kind::engineio_close) return finish(why, kind);
    if (kind != close_kind::abort && transport_ && transport_->close(kind)) {
        log_closing(why);
        if (auto c = std::exchange(candidate_, nullptr)) c->close(close_kind::abort);
        return;
    }
    finish(why);
}

void engineio_session::transport_closed(session_transport& t) {
    if (finished_) return;
    if (&t == candidate_) {
        candidate_ = nullptr;
        upgrade_.on_candidate_closed();
        account();
        return arm_timer();
    }
    if (&t == transport_) finish("connection closed");
}

// The session ends: its transports are closed (a pending GET gets what is queued and the
// close packet), it leaves the registries, and the hub forgets the link.
void engineio_session::finish(std::string_view why, close_kind transport_close) {
    if (finished_) return;
    finished_ = true;
    log_closing(why);
    timer_.cancel();
    finish_probe(false);
    if (auto t = std::exchange(transport_, nullptr)) t->close(transport_close);
    if (auto c = std::exchange(candidate_, nullptr)) c->close(close_kind::abort);
    queue_.clear();
    queued_bytes_ = 0;
    budget_.update(0);
    address_slot_ = {};
    if (!opened_) return;
    ctx_.sessions.remove(id());
    ctx_.metrics.connections.fetch_sub(1, std::memory_order_relaxed);
    if (auto p = std::exchange(polling_, nullptr)) {
        ctx_.polling.remove(sid());
        ctx_.metrics.polling_sessions.fetch_sub(1, std::memory_order_relaxed);
    }
    ctx_.hub.disconnected(shared_from_this());
}

void engineio_session::drop(std::string_view why) {
    net::post(executor_, [self = shared_from_this(), why = std::string(why)] { self->close(why); });
}

void engineio_session::close_going_away() {
    net::post(executor_, [self = shared_from_this()] { self->close("server shutting down", close_kind::going_away); });
}

// A join over --max-joins-per-address is refused as the hub refuses one (an ack or error event
// with the reason), before the hub sees it.
void engineio_session::join(protocol::star_address address, std::optional<std::uint64_t> ack_id) {
    if (client_ip_ && !ctx_.gate.allow_join(*client_ip_)) {
        signalling_hub::count_refused_join(ctx_.metrics, "per_address");
        ctx_.gate.refused("joins_per_address", client_, "join refused");
        return send_packet(protocol::join_refusal_frame(ack_id, "too many joins from this address; try again later"));
    }
    ctx_.hub.join(shared_from_this(), std::move(address), ack_id);
}

void engineio_session::leave() { ctx_.hub.leave(shared_from_this()); }

void engineio_session::handshake(routed_handshake h) { ctx_.hub.handshake(shared_from_this(), std::move(h)); }

// The client leaves the namespace: for webrtc-star that is a disconnect.
void engineio_session::left_namespace() { ctx_.hub.disconnected(shared_from_this()); }

}  // namespace star::server
