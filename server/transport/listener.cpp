#include "transport/listener.hpp"

#include "logger.hpp"
#include "transport/http_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>

namespace star::server {
namespace net = boost::asio;

listener::listener(io_pool& pool, net::ip::tcp::endpoint endpoint, server_context& ctx,
                   std::shared_ptr<tls_context> tls)
    : pool_(pool), acceptor_(pool.first()), ctx_(ctx), tls_(std::move(tls)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
}

void listener::run() { do_accept(); }

void listener::stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
        boost::system::error_code ignored;
        self->acceptor_.close(ignored);
    });
}

void listener::do_accept() {
    acceptor_.async_accept(pool_.next(), boost::beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

// One address may not hold more sockets than the sessions it may open need (client_gate): the
// refused connection is closed before a byte is read, so it costs a descriptor for a moment only.
bool listener::admit_address(net::ip::tcp::socket const& socket, admission::address_limits::slot& out) {
    boost::system::error_code ec;
    auto peer = socket.remote_endpoint(ec);
    if (ec) return false;  // already gone
    auto address = admission::normalise(peer.address());
    auto why = ctx_.gate.admit_socket(address, out);
    if (why.empty()) return true;
    ctx_.gate.refused(why, address.to_string(), "connection closed");
    return false;
}

void listener::on_accept(boost::system::error_code ec, net::ip::tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;  // stopped: not an error, not a retry
    if (ec) {
        // Out of file descriptors, most likely: log, pause briefly, keep accepting.
        logger_for("transport")->warn("accept: {}", ec.message());
        auto timer = std::make_shared<net::steady_timer>(acceptor_.get_executor(), std::chrono::milliseconds(50));
        timer->async_wait([self = shared_from_this(), timer](boost::system::error_code) { self->do_accept(); });
        return;
    }
    admission::address_limits::slot address;
    if (ctx_.open_sockets.load() >= ctx_.cfg.max_connections) {
        inc(ctx_.metrics.connections_refused);
        boost::system::error_code ignored;
        socket.close(ignored);
    } else if (!admit_address(socket, address)) {
        boost::system::error_code ignored;
        socket.close(ignored);
    } else {
        boost::system::error_code ignored;
        socket.set_option(net::ip::tcp::no_delay(true), ignored);
        // Bounds what the kernel queues for a client that does not read (by default it grows
        // to megabytes: 150 non-readers held 587 MB of kernel memory).
        if (ctx_.cfg.socket_send_buffer)
            socket.set_option(net::socket_base::send_buffer_size(static_cast<int>(ctx_.cfg.socket_send_buffer)),
                              ignored);
        socket_slot slot(ctx_, std::move(address));
        if (tls_) {
            auto context = tls_->current();
            tls_stream stream(plain_stream(std::move(socket)), *context);
            std::make_shared<http_session<tls_stream>>(std::move(stream), ctx_, std::move(slot), context)->run();
        } else {
            std::make_shared<http_session<plain_stream>>(plain_stream(std::move(socket)), ctx_, std::move(slot),
                                                         nullptr)
                ->run();
        }
    }
    do_accept();
}

}  // namespace star::server
