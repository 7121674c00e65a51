#include "signalling/handshake_router.hpp"

#include <functional>

namespace star::server {

handshake_frame::handshake_frame(protocol::ws_handshake_frame_text built)
    : text(make_frame(std::move(built.text))), payload_offset(built.payload_offset), payload_size(built.payload_size) {}

routed_handshake route_of(protocol::handshake h, steady_time received) {
    return {std::move(h.src_key),
            std::move(h.dst_key),
            std::move(h.intent_id),
            h.answer,
            handshake_frame(protocol::ws_handshake_frame(h.payload)),
            received,
            h.negotiation};
}

handshake_router::handshake_router(metrics& m, peer_table& table, remote_peers& remote, outbox& out, backend& b,
                                   deferred_log& log)
    : metrics_(m), table_(table), remote_(remote), out_(out), backend_(b), log_(log) {}

void handshake_router::drop_unsent(std::string_view reason) {
    inc(metrics_.dials_total);
    metrics_.dropped.inc(reason);
}

void handshake_router::count_invalid(metrics& m, std::string_view reason) {
    inc(m.dials_total);
    inc(m.dials_failure);
    m.dropped.inc(reason);
}

void handshake_router::route(handshake_sender const& from, routed_handshake& h) {
    inc(metrics_.dials_total);
    auto now = std::chrono::steady_clock::now();
    if (h.answer) route_answer(from, h, now);
    else route_offer(from, h, now);
}

void handshake_router::route_offer(handshake_sender const& from, routed_handshake& h, steady_time now) {
    peer* dst = table_.find(h.dst_key);
    if (!dst) {
        // Only our own peers' offers go on to another server: servers do not relay for each other.
        if (from.local && forward_to_server(h.dst_key, h)) {
            from.local->intents.record(h.intent_id, h.dst_key, now);
            return;
        }
        inc(metrics_.dials_failure);
        refuse_offer(from, h);
        return;
    }
    if (!receiver_has_room(*dst, h, now)) return;
    if (from.local) from.local->intents.record(h.intent_id, h.dst_key, now);  // so that only dst may answer
    if (log_.enabled(spdlog::level::trace))  // SDP and ICE only at trace level, and copied only then
        log_.later(log_.debug, spdlog::level::trace, "offer {} -> {}: {}", h.src_key, dst->address.peer_id,
                   std::string(h.forward.payload()));
    deliver(*dst, h);
}

void handshake_router::route_answer(handshake_sender const& from, routed_handshake& h, steady_time now) {
    peer* src = table_.find(h.src_key);
    if (!src) {
        if (from.local && forward_to_server(h.src_key, h)) {
            inc(metrics_.dials_success);  // the offerer's server checks the intent
            return;
        }
        inc(metrics_.dials_failure);
        metrics_.dropped.inc("peer_gone");
        return;
    }
    if (!src->intents.matches(h.intent_id, h.dst_key, now)) {
        metrics_.dropped.inc("unknown_intent");
        return;
    }
    if (!receiver_has_room(*src, h, now)) return;
    inc(metrics_.dials_success);
    if (log_.enabled(spdlog::level::trace))
        log_.later(log_.debug, spdlog::level::trace, "answer {} -> {}: {}", h.dst_key, src->address.peer_id,
                   std::string(h.forward.payload()));
    deliver(*src, h);
}

bool handshake_router::forward_to_server(std::string const& target, routed_handshake const& h) {
    auto const* remote = remote_.find(target);
    if (!remote) return false;
    backend_.send(
        {remote->server, h.src_key, h.dst_key, h.intent_id, h.answer, false, std::string(h.forward.payload())});
    return true;
}

// The offer's recipient is nowhere we know: our dialer is told at once; another server's offer
// goes back to it as "unavailable", and that server tells its dialer.
void handshake_router::refuse_offer(handshake_sender const& from, routed_handshake const& h) {
    if (from.local) return tell_unavailable(*from.local, h);
    backend_.send({*from.server, h.src_key, h.dst_key, h.intent_id, false, true, std::string(h.forward.payload())});
}

void handshake_router::on_unavailable(std::string const& server, routed_handshake& h) {
    auto const* holder = remote_.find(h.dst_key);
    if ((holder && holder->server != server) || table_.find(h.dst_key)) {
        metrics_.dropped.inc("remote_spoofed");
        return;
    }
    peer* src = table_.find(h.src_key);
    if (!src || !src->intents.matches(h.intent_id, h.dst_key, std::chrono::steady_clock::now())) {
        metrics_.dropped.inc("remote_unknown_intent");
        return;
    }
    inc(metrics_.dials_failure);
    tell_unavailable(*src, h);
}

void handshake_router::tell_unavailable(peer& dialer, routed_handshake const& h) {
    out_.send(dialer.link,
              make_frame(protocol::ws_handshake_error_frame(h.forward.payload(), "peer is not available")));
}

// The receiver's limit is shared among the peers sending to it (receiver_share): the sender is
// the peer the handshake speaks for, the offer's src or the answer's dst, whichever server holds
// it (both entry points checked that), known by a hash of its key.
bool handshake_router::receiver_has_room(peer& receiver, routed_handshake const& h, steady_time now) {
    auto sender = std::hash<std::string>{}(h.answer ? h.dst_key : h.src_key);
    if (receiver.received.allow(sender, h.negotiation, now)) return true;
    metrics_.dropped.inc("receiver_rate_limited");
    return false;
}

void handshake_router::deliver(peer& receiver, routed_handshake& h) {
    out_.send(receiver.link, std::move(h.forward.text), h.received);
}

}  // namespace star::server
