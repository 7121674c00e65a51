// One Engine.IO session that started by HTTP long-polling (socket.io-client's default), and
// stays the hub's client_link for its whole life, upgraded or not. Requests arrive on
// http_sessions of any thread and are posted here; answers go back through each request's
// `reply` callback. After an upgrade the session's packets travel on a WebSocket
// client_session in carrier mode (it moves bytes; this object keeps the protocol state).
// All state is touched on executor() only.
#pragma once

#include "transport/server_context.hpp"
#include "transport/session_base.hpp"
#include "transport/session_protocol.hpp"

#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace star::server {

// An answer to one polling request: the transport turns it into an HTTP response.
struct polling_reply {
    unsigned status = 200;
    std::string content_type;
    std::string body;
};
using polling_reply_fn = std::function<void(polling_reply)>;

class polling_session : public session_base,
                        public session_protocol_events,
                        public std::enable_shared_from_this<polling_session> {
public:
    polling_session(boost::asio::any_io_executor executor, protocol::engineio::version v, server_context& ctx,
                    socket_slot slot);

    // The handshake GET: registers the session and answers with the open packet.
    void start(polling_reply_fn reply);
    // Any thread. A GET (wait for packets) or a POST (packets from the client). `request`
    // identifies the connection a GET came on, for poll_abandoned.
    void poll(polling_reply_fn reply, void const* request = nullptr);
    void post(std::string body, polling_reply_fn reply);
    // Any thread. The connection of a pending GET was closed by the client: as engine.io, the
    // session ends ("poll connection closed prematurely").
    void poll_abandoned(void const* request);
    // Any thread. A WebSocket for this sid, accepted in carrier mode: probe, then upgrade.
    void offer_carrier(std::shared_ptr<session_base> carrier);
    // From the carrier's thread: a packet it read, or its end.
    void carried_packet(session_base* carrier, std::string text, bool binary);
    void carrier_closed(session_base* carrier);

    std::string const& sid() const { return protocol_.sid(); }

    // client_link
    boost::asio::any_io_executor executor() override { return executor_; }
    void deliver(frame_ptr frame, steady_time received) override;
    void drop(std::string_view why) override;
    void probe(std::function<void(bool alive)> done) override;
    void close_going_away() override;

private:
    // session_protocol_events
    void send_packet(std::string packet) override { enqueue(make_frame(std::move(packet))); }
    void close_session(std::string_view why) override;
    void join(protocol::star_address address, std::optional<std::uint64_t> ack_id) override;
    void leave() override;
    void handshake(routed_handshake h) override;
    void left_namespace() override;

    void on_poll(polling_reply_fn reply, void const* request);
    void on_client_request();  // any request proves the client alive (takeover probes)
    void finish_probe(bool alive);
    void on_post(std::string const& body, polling_reply_fn const& reply);
    void on_carried(std::string const& text);
    void complete_upgrade();
    void abort_upgrade(std::string_view why);
    void send_on_carrier(std::deque<frame_ptr> frames);
    void enqueue(frame_ptr frame);
    void flush_to_poll();  // answers the pending GET with everything queued
    void answer_poll(std::string payload);
    void arm_timer();
    void finish(std::string_view why, std::string_view last_packet);

    boost::asio::any_io_executor executor_;
    server_context& ctx_;
    socket_slot slot_;  // a polling session counts against --max-connections like a socket
    session_protocol protocol_;
    boost::asio::steady_timer timer_;
    steady_time timer_at_ = steady_time::max();

    std::deque<frame_ptr> queue_;  // packets waiting for a GET (or, once upgraded, none)
    std::size_t queued_bytes_ = 0;
    polling_reply_fn pending_poll_;
    void const* pending_poll_request_ = nullptr;
    bool flush_scheduled_ = false;

    std::shared_ptr<session_base> carrier_;  // the WebSocket, from its offer until the session ends
    bool probed_ = false;
    bool upgraded_ = false;
    steady_time upgrade_deadline_ = steady_time::max();
    bool finished_ = false;

    std::vector<std::function<void(bool)>> probe_waiters_;
    steady_time probe_deadline_ = steady_time::max();
};

}  // namespace star::server
