// Routes one ss-handshake (an offer, an answer or an ICE candidate sent as either) to its
// recipient, whether its sender is a peer joined here or another server speaking for one: the
// same checks, the same counting (dials_total/success/failure, dropped{reason}), the same
// frames and the same per-receiver limit (--max-received-per-second) for both. Its two entry
// points establish the sender first: signalling_hub::on_handshake (the connection is joined
// and is the offer's src or the answer's dst) and signalling_hub::on_remote_signal (the
// payload passes the same validation as a local ss-handshake, and the sending server holds
// the peer it speaks for). Owned by the hub and called only under its lock.
#pragma once

#include "metrics/metrics.hpp"
#include "protocol/client_event.hpp"
#include "signalling/backend.hpp"
#include "signalling/deferred_log.hpp"
#include "signalling/outbox.hpp"
#include "signalling/peer_table.hpp"
#include "signalling/remote_peers.hpp"

#include <string>
#include <string_view>

namespace star::server {

// A ws-handshake frame, shared by whoever it goes to, and where in it the client's payload sits.
struct handshake_frame {
    frame_ptr text;
    std::size_t payload_offset = 0;
    std::size_t payload_size = 0;

    explicit handshake_frame(protocol::ws_handshake_frame_text built = {});
    std::string_view payload() const { return std::string_view(*text).substr(payload_offset, payload_size); }
};

// The routing part of an ss-handshake, with the frame that forwards it.
struct routed_handshake {
    std::string src_key;
    std::string dst_key;
    std::string intent_id;
    bool answer = false;
    handshake_frame forward;   // 42["ws-handshake",<payload as received>]
    steady_time received;      // when it was read, for the forward-latency histogram
    bool negotiation = false;  // an SDP offer or answer, not a candidate: ahead at the receiver's limit
};

// A validated handshake (protocol::parse_handshake) made ready to route.
routed_handshake route_of(protocol::handshake h, steady_time received);

// Who sent a handshake, as its entry point established it: one of the two.
struct handshake_sender {
    peer* local = nullptr;                // the joined peer that sent it
    std::string const* server = nullptr;  // the other server holding the peer that sent it
};

class handshake_router {
public:
    handshake_router(metrics& m, peer_table& table, remote_peers& remote, outbox& out, backend& b, deferred_log& log);

    void route(handshake_sender const& from, routed_handshake& h);
    // Another server says the recipient of an offer we forwarded is not there: the dialer is
    // told "peer is not available", if it did make that offer and `server` may say so: it holds
    // the recipient, or no server does any more (its leave came first). No other server can abort
    // a dial it is not part of.
    void on_unavailable(std::string const& server, routed_handshake& h);

    // A handshake whose sender could not be established (not joined, spoofed): counted, dropped.
    void drop_unsent(std::string_view reason);
    // A handshake that fails validation, here (transport) or from another server: a failed dial.
    static void count_invalid(metrics& m, std::string_view reason);

private:
    void route_offer(handshake_sender const& from, routed_handshake& h, steady_time now);
    void route_answer(handshake_sender const& from, routed_handshake& h, steady_time now);
    // To the server holding `target` (the offer's dst, the answer's src), if one does.
    bool forward_to_server(std::string const& target, routed_handshake const& h);
    void refuse_offer(handshake_sender const& from, routed_handshake const& h);
    void tell_unavailable(peer& dialer, routed_handshake const& h);
    bool receiver_has_room(peer& receiver, routed_handshake const& h, steady_time now);
    void deliver(peer& receiver, routed_handshake& h);

    metrics& metrics_;
    peer_table& table_;
    remote_peers& remote_;
    outbox& out_;
    backend& backend_;
    deferred_log& log_;
};

}  // namespace star::server
