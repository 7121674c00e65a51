#pragma once
// One client connection of the floor server: WebSocket upgrade, the Engine.IO
// open packet, "40" reply, pings, ss-join and ss-handshake relaying. Runs on
// its own strand; other sessions reach it only through deliver().

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "peer_registry.hpp"

namespace webrtc_star::floor {

struct session_settings {
    std::chrono::milliseconds ping_interval{25000};
    std::size_t max_queued_frames = 4096;  // then the session is closed
    bool announce = true;                  // ws-peer to everyone on each join
};

class session : public std::enable_shared_from_this<session> {
public:
    session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<peer_registry> peers, session_settings settings);
    ~session();

    void run();
    // Thread-safe: queue a text frame on this session.
    void deliver(std::shared_ptr<std::string const> frame);

private:
    void on_accept(boost::system::error_code ec);
    void do_read();
    void on_read(boost::system::error_code ec, std::size_t bytes);
    void on_frame(std::string_view frame);
    void on_join(std::string_view payload);
    void on_handshake(std::string_view payload);
    void send(std::shared_ptr<std::string const> frame);
    void do_write();
    void on_write(boost::system::error_code ec, std::size_t bytes);
    void do_ping();
    void close();

    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    boost::beast::flat_buffer buffer_;
    std::deque<std::shared_ptr<std::string const>> queue_;
    boost::asio::steady_timer ping_timer_;
    std::shared_ptr<peer_registry> peers_;
    session_settings settings_;
    std::string peer_id_;
    bool closed_ = false;
};

}  // namespace webrtc_star::floor
