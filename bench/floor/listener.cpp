#include "listener.hpp"

#include <iostream>

#include <boost/asio/strand.hpp>

namespace webrtc_star::floor {

namespace net = boost::asio;

listener::listener(net::io_context& ioc, net::ip::tcp::endpoint ep, std::shared_ptr<peer_registry> peers,
                   session_settings settings)
    : ioc_(ioc), acceptor_(ioc), peers_(std::move(peers)), settings_(settings) {
    acceptor_.open(ep.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(net::socket_base::max_listen_connections);
}

void listener::stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
}

void listener::do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           [self = shared_from_this()](boost::system::error_code ec, net::ip::tcp::socket s) {
                               self->on_accept(ec, std::move(s));
                           });
}

void listener::on_accept(boost::system::error_code ec, net::ip::tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
        // Out of file descriptors and the like: keep accepting.
        std::cerr << "accept: " << ec.message() << "\n";
    } else {
        socket.set_option(net::ip::tcp::no_delay(true), ec);
        std::make_shared<session>(std::move(socket), peers_, settings_)->run();
    }
    do_accept();
}

}  // namespace webrtc_star::floor
