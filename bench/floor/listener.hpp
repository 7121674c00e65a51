#pragma once
// Accepts TCP connections and hands each to a new session.

#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "session.hpp"

namespace webrtc_star::floor {

class listener : public std::enable_shared_from_this<listener> {
public:
    // Throws boost::system::system_error if it cannot listen.
    listener(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint ep, std::shared_ptr<peer_registry> peers,
             session_settings settings);
    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
    void run() { do_accept(); }
    void stop();

private:
    void do_accept();
    void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

    boost::asio::io_context& ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::shared_ptr<peer_registry> peers_;
    session_settings settings_;
};

}  // namespace webrtc_star::floor
