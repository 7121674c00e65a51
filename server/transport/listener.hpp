// Accepts TCP connections and spreads them over the I/O pool.
#pragma once

#include "transport/io_pool.hpp"
#include "transport/server_context.hpp"
#include "transport/tls_context.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace star::server {

class listener : public std::enable_shared_from_this<listener> {
public:
    // Binds and listens; throws boost::system::system_error when it cannot. With `tls`,
    // every connection speaks TLS (https:// and wss://); without, plain http:// and ws://.
    listener(io_pool& pool, boost::asio::ip::tcp::endpoint endpoint, server_context& ctx,
             std::shared_ptr<tls_context> tls = nullptr);

    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
    void run();
    void stop();  // thread-safe

private:
    void do_accept();
    void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
    bool admit_address(boost::asio::ip::tcp::socket const& socket, admission::address_limits::slot& out);

    io_pool& pool_;
    boost::asio::ip::tcp::acceptor acceptor_;
    server_context& ctx_;
    std::shared_ptr<tls_context> tls_;
};

}  // namespace star::server
