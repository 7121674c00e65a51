// What carries an Engine.IO session's packets: a WebSocket, or long-polling requests. A
// transport only moves bytes: it turns what the client sends into packets for its
// engineio_session, and writes the packets the session hands it. Every rule (the queue and
// its bounds, limits, probes, timers, counters) is the session's. All members run on the
// session's executor.
#pragma once

#include "signalling/client_link.hpp"

#include <cstddef>
#include <cstdint>

namespace star::server {

// A packet the session has queued: `received` is when the message it forwards arrived
// (default-constructed for packets the server originates), for the forward-latency histogram.
// With `framed` > 0 the frame is that many packets already laid out as WebSocket text frames
// (client_link::deliver_framed): a WebSocket writes it as it is, polling walks it.
struct outgoing {
    frame_ptr frame;
    steady_time received;
    std::uint32_t framed = 0;
};

// How a session ends on its transport.
enum class close_kind {
    abort,             // at once: a dropped or shed session
    engineio_close,    // the session's own rules (a protocol error, a timeout, the client's close packet):
                       // a WebSocket sends a close frame without a status code, as engine.io's does, then ends
    policy_violation,  // a WebSocket says so with 1008 (a ping flood), then ends
    going_away,        // shutdown: a WebSocket says 1001, so that clients reconnect by themselves
};

class session_transport {
public:
    virtual ~session_transport() = default;

    // The session has packets queued: take them (engineio_session::take_queued) if they can go.
    virtual void send_ready() = 0;
    // One packet outside the session's queue: the upgrade's "3probe" on the WebSocket probed.
    virtual void send_now(frame_ptr packet) = 0;
    // A takeover asks whether the client is alive: ask it, the transport's way. True when the
    // transport knows already (an Engine.IO 3 client's pending GET).
    virtual bool ping_for_liveness() = 0;
    // A write is waiting on the kernel: a backlog that drains then shows the client alive.
    virtual bool backlogged() const = 0;
    // Bytes held besides the session's packets (a message being received), for the budget.
    virtual std::size_t held() const = 0;
    // Ends the connection. True when it lingers (a WebSocket closing handshake) and will say
    // when it is over (engineio_session::transport_closed); false when it is over now.
    virtual bool close(close_kind kind) = 0;
};

}  // namespace star::server
