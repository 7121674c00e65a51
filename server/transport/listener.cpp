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

void listener::on_accept(boost::system::error_code ec, net::ip::tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;  // stopped: not an error, not a retry
    if (ec) {
        // Out of file descriptors, most likely: log, pause briefly, keep accepting.
        logger_for("transport")->warn("accept: {}", ec.message());
        auto timer = std::make_shared<net::steady_timer>(acceptor_.get_executor(), std::chrono::milliseconds(50));
        timer->async_wait([self = shared_from_this(), timer](boost::system::error_code) { self->do_accept(); });
        return;
    }
    if (ctx_.open_sockets.load() >= ctx_.cfg.max_connections) {
        inc(ctx_.metrics.connections_refused);
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
        if (tls_) {
            auto context = tls_->current();
            tls_stream stream(plain_stream(std::move(socket)), *context);
            std::make_shared<http_session<tls_stream>>(std::move(stream), ctx_, socket_slot(ctx_), context)->run();
        } else {
            std::make_shared<http_session<plain_stream>>(plain_stream(std::move(socket)), ctx_, socket_slot(ctx_),
                                                         nullptr)
                ->run();
        }
    }
    do_accept();
}

}  // namespace star::server
