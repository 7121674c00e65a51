// One client connection after the WebSocket upgrade, over plain TCP or TLS: Engine.IO framing and heartbeats,
// the Socket.IO namespace handshake, and a bounded write queue. Lives exactly as long as
// an operation of its own is pending; all its state is touched only on its own thread.
#pragma once

#include "protocol/engineio.hpp"
#include "protocol/json_scan.hpp"
#include "protocol/socketio.hpp"
#include "transport/server_context.hpp"
#include "transport/session_base.hpp"
#include "transport/stream_types.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <deque>
#include <memory>
#include <vector>

namespace star::server {

template <class Stream>
class client_session : public session_base, public std::enable_shared_from_this<client_session<Stream>> {
public:
    using request = boost::beast::http::request<boost::beast::http::string_body>;

    // `keep_alive` is held for the session's lifetime (the TLS context its stream uses).
    client_session(Stream&& stream, protocol::engineio::version version, server_context& ctx, socket_slot slot,
                   std::shared_ptr<void> keep_alive);

    // Completes the WebSocket upgrade for `req` and starts the session.
    void run(request req);

    // client_link: callable from any thread.
    void send(frame_ptr frame, steady_time received = {}) override;
    void drop(std::string_view why) override;
    void probe(std::function<void(bool alive)> done) override;

    void close_going_away() override;

private:
    struct queued {
        frame_ptr frame;  // null: a WebSocket ping (liveness probe)
        steady_time received;
    };

    void on_accept(boost::beast::error_code ec);
    void do_read();
    void on_read(boost::beast::error_code ec, std::size_t bytes);
    void on_engineio(std::string_view text);
    void on_socketio(std::string_view text);
    void on_event(protocol::socketio::packet const& p);
    void on_join(std::optional<protocol::json::value> const& arg, std::optional<std::uint64_t> ack_id);
    void on_handshake(std::optional<protocol::json::value> const& arg);
    void ack(std::optional<std::uint64_t> ack_id, std::string_view args);
    bool within_rate_limit();

    void enqueue(frame_ptr frame, steady_time received);
    void enqueue(std::string text) { enqueue(std::make_shared<std::string const>(std::move(text)), {}); }
    void do_write();
    void on_write(boost::beast::error_code ec);
    void do_close();

    void schedule_ping();
    void await_pong();
    void expect_client_ping();
    void start_connect_deadline();
    void schedule_refresh();
    void on_alive();
    void finish_probe(bool alive);
    void close_now(std::string_view why);
    void finish();

    boost::beast::websocket::stream<Stream> ws_;
    std::shared_ptr<void> keep_alive_;
    boost::beast::flat_buffer buffer_;
    protocol::engineio::version version_;
    server_context& ctx_;
    socket_slot slot_;
    std::string sid_;

    std::deque<queued> queue_;
    std::size_t queued_bytes_ = 0;
    bool writing_ = false;
    bool closing_ = false;   // no more writes are queued
    bool finished_ = false;  // the connection is over
    bool connected_ = false; // Socket.IO namespace "/" joined
    bool refreshing_ = false;
    bool awaiting_pong_ = false;

    boost::asio::steady_timer heartbeat_timer_;
    boost::asio::steady_timer lifecycle_timer_;  // the CONNECT deadline, then ws-peer refreshes
    std::unique_ptr<boost::asio::steady_timer> probe_timer_;
    std::vector<std::function<void(bool)>> probe_waiters_;

    steady_time read_at_{};  // when the message being handled arrived
    double tokens_ = 0;
    steady_time tokens_at_{};
};

}  // namespace star::server
