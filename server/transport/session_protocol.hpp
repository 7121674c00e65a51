// The Engine.IO/Socket.IO side of one client session, without I/O: it takes Engine.IO packets
// and timer expiries, and says what to send, when to close and what to ask of the hub through
// session_protocol_events. The same rules serve every transport (WebSocket, long-polling,
// and the switch between them), so each limit can be tested without a socket
// (tests/unit/server/transport/session_protocol_test.cpp). The upgrade's own steps are
// upgrade_handshake's. Not thread-safe: its owner calls it from
// its own thread only.
#pragma once

#include "config/config.hpp"
#include "metrics/metrics.hpp"
#include "protocol/engineio.hpp"
#include "protocol/json_scan.hpp"
#include "protocol/socketio.hpp"
#include "protocol/star_address.hpp"
#include "rate_limiter.hpp"
#include "signalling/signalling_hub.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace star::server {

// What the protocol asks of its owner. Called synchronously from session_protocol's members.
class session_protocol_events {
public:
    virtual void send_packet(std::string packet) = 0;  // one complete Engine.IO packet
    // Then nothing more is sent. `policy_violation`: a flood; a WebSocket closes with 1008.
    virtual void close_session(std::string_view why, bool policy_violation) = 0;
    virtual void join(protocol::star_address address, std::optional<std::uint64_t> ack_id) = 0;
    virtual void leave() = 0;
    virtual void handshake(routed_handshake h) = 0;
    virtual void left_namespace() = 0;  // a Socket.IO DISCONNECT: for webrtc-star, a disconnect

protected:
    ~session_protocol_events() = default;
};

class session_protocol {
public:
    session_protocol(protocol::engineio::version v, std::string sid, config const& cfg, metrics& m,
                     session_protocol_events& out);

    // Sends the open packet (and, for Engine.IO 3, the Socket.IO connect) and starts the clocks.
    void open(steady_time now, bool offer_websocket);
    // One Engine.IO text packet from the client.
    void on_packet(std::string_view text, steady_time now);
    // A binary packet: nothing here accepts binary, so the session is closed.
    void on_binary();
    // A ping, an Engine.IO 3 one or a WebSocket one: pings beyond --max-pings-per-second are
    // not answered, and a hundred seconds' worth dropped ends the session.
    bool allow_ping(steady_time now);
    // Call when next_deadline() has passed.
    void on_timer(steady_time now);
    steady_time next_deadline() const;

    bool closed() const { return closed_; }
    std::string const& sid() const { return sid_; }
    protocol::engineio::version version() const { return version_; }

private:
    enum class heartbeat { ping_due, awaiting_pong, awaiting_client_ping };

    void on_socketio(std::string_view text, steady_time now);
    void on_socketio_packet(protocol::socketio::packet const& p, steady_time now);
    void on_event(protocol::socketio::packet const& p, steady_time now);
    void on_join(std::optional<protocol::json::value> const& arg, std::optional<std::uint64_t> ack_id);
    void on_handshake(std::optional<protocol::json::value> const& arg, steady_time now);
    void ack(std::optional<std::uint64_t> ack_id, std::string_view args);
    bool within_rate_limit(steady_time now);
    void protocol_error(std::string_view reason);
    void close(std::string_view why, bool policy_violation = false);

    protocol::engineio::version version_;
    std::string sid_;
    config const& cfg_;
    metrics& metrics_;
    session_protocol_events& out_;

    bool closed_ = false;
    bool connected_ = false;  // Socket.IO namespace "/" joined
    heartbeat heartbeat_ = heartbeat::ping_due;
    steady_time heartbeat_at_{};
    steady_time connect_deadline_{};
    rate_limiter messages_;  // --max-messages-per-second
    rate_limiter pings_;     // Engine.IO 3 and WebSocket pings: answering each costs a write
    std::uint64_t pings_dropped_ = 0;
};

}  // namespace star::server
