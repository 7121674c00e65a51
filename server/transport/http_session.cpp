#include "transport/http_session.hpp"

#include "http/endpoints.hpp"
#include "logger.hpp"
#include "transport/engineio_session.hpp"
#include "transport/normal_close.hpp"
#include "transport/websocket_transport.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

namespace star::server {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

namespace {
constexpr std::uint32_t header_limit = 8 * 1024;
constexpr std::uint64_t body_limit = 64 * 1024;
constexpr std::chrono::seconds keep_alive_timeout{30};
// What a server handshake under way holds (measured: 91 KiB per pending handshake, RSA-2048).
constexpr std::size_t tls_handshake_cost = 90 * 1024;

// Why a connection ended, at debug level, unless it ended normally; with the client's address.
void fail(std::string_view what, beast::error_code ec, std::string const& client) {
    auto& log = *logger_for("transport");
    if (!is_normal_close(ec) && log.should_log(spdlog::level::debug))
        log_with(log, spdlog::level::debug, {{log_key::client, client}, {log_key::reason, std::string(what)}},
                 "http {}: client {}: {}", what, client, ec.message());
}
}  // namespace

template <class Stream>
http_session<Stream>::http_session(Stream&& stream, server_context& ctx, socket_slot slot, ssl_context_ptr ssl_context)
    : stream_(std::move(stream)), ctx_(ctx), slot_(std::move(slot)), ssl_context_(std::move(ssl_context)) {
    beast::error_code ec;
    auto peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (ec) return;
    peer_ = admission::normalise(peer.address());
    peer_port_ = peer.port();
    client_ip_ = *peer_;
    client_ = peer_->to_string() + ":" + std::to_string(peer_port_);
}

template <class Stream> void http_session<Stream>::run() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
        if (self->ctx_.cfg.proxy_protocol) return self->read_proxy_header();  // http_session_edge.cpp
        self->start();
    });
}

template <class Stream> void http_session<Stream>::start() {
    if constexpr (is_tls_v<Stream>) {
        if (ctx_.budget.spent()) {
            // No room for another handshake's state: the newest connection waits its turn.
            ctx_.budget.note_shed(0, tls_handshake_cost, "TLS handshake");
            return;
        }
        tls_pending_.emplace(ctx_.budget);
        tls_pending_->update(tls_handshake_cost);
        beast::get_lowest_layer(stream_).expires_after(ctx_.cfg.handshake_timeout);
        // Bytes read with the PROXY header may be the start of the ClientHello. (Generic: Beast's
        // constraint on a buffered handshake's handler names the unbuffered signature.)
        stream_.async_handshake(net::ssl::stream_base::server, buffer_.data(),
                                [self = this->shared_from_this()](beast::error_code ec, auto...) {
                                    self->buffer_.consume(self->buffer_.size());
                                    self->on_tls_handshake(ec);
                                });
    } else {
        do_read();
    }
}

template <class Stream> void http_session<Stream>::on_tls_handshake(beast::error_code ec) {
    tls_pending_.reset();
    if (ec == beast::error::timeout) inc(ctx_.metrics.handshake_timeouts);
    if (ec) return fail("TLS handshake", ec, client_);
    do_read();
}

template <class Stream> void http_session<Stream>::do_read() {
    parser_.emplace();
    parser_->header_limit(header_limit);
    parser_->body_limit(body_limit);
    beast::get_lowest_layer(stream_).expires_after(
        answered_ ? std::chrono::duration_cast<std::chrono::milliseconds>(keep_alive_timeout)
                  : ctx_.cfg.handshake_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&http_session::on_header, this->shared_from_this()));
}

// The header decides how large a body may be: a long-polling POST may carry up to
// --max-message-size, as engine.io's maxHttpBufferSize; anything bigger is answered 413.
template <class Stream> void http_session<Stream>::on_header(beast::error_code ec, std::size_t bytes) {
    if (ec) return on_read(ec, bytes);
    if (is_polling_post()) {
        parser_->body_limit(ctx_.cfg.max_message_size);
        auto length = parser_->content_length();
        if (length && *length > ctx_.cfg.max_message_size) return on_read(http::error::body_limit, bytes);
    }
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read, this->shared_from_this()));
}

template <class Stream> void http_session<Stream>::on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return do_close();
    if (ec == http::error::body_limit && parser_->is_header_done()) {
        auto res = engineio_error(parser_->get(), protocol::engineio::handshake_error::bad_request);
        res.result(http::status::payload_too_large);
        res.body().clear();
        res.prepare_payload();
        res.keep_alive(false);  // the body is still on its way: do not read it
        return write(std::move(res));
    }
    if (ec == http::error::header_limit) return refuse(http::status::request_header_fields_too_large, "headers");
    if (ec == http::error::body_limit) return refuse(http::status::payload_too_large, "body");
    if (ec == beast::error::timeout && !answered_) inc(ctx_.metrics.handshake_timeouts);
    if (ec) return fail("read", ec, client_);  // bad request or timeout: drop the connection
    auto req = parser_->release();
    resolve_client(req);
    if (beast::websocket::is_upgrade(req)) return on_upgrade(req);
    if (auto p = as_polling_request(req, ctx_.cfg)) return serve_polling(req, *p);
    write(handle_http(req, ctx_.cfg, ctx_.metrics, ctx_.active_backend.degraded()));
}

template <class Stream> void http_session<Stream>::on_upgrade(http_request& req) {
    auto decision = decide_upgrade(req, ctx_.cfg);
    if (decision.version && !admit_request(req)) return;
    if (decision.version && decision.sid) return upgrade_polling_session(req, *decision.sid);
    admission::address_limits::slot address_slot;
    if (decision.version && !admit_session(req, address_slot)) return;
    if (decision.version) {
        std::string early = beast::buffers_to_string(buffer_.data());
        auto session =
            std::make_shared<engineio_session>(stream_.get_executor(), *decision.version, ctx_, client_address());
        session->admitted(client_ip_, std::move(address_slot));
        auto websocket = std::make_shared<websocket_transport<Stream>>(
            std::move(stream_), std::move(session), std::move(*slot_), ssl_context_, std::move(early));
        websocket->run(req);
        return;
    }
    decision.refusal->keep_alive(false);
    write(std::move(*decision.refusal));
}

// Every answer passes here: CORS headers name only an allowed origin (--allowed-origins).
template <class Stream> void http_session<Stream>::write(http_response response) {
    if (!ctx_.gate.any_origin()) {
        auto origin = response[http::field::access_control_allow_origin];
        if (!origin.empty() && !ctx_.gate.allows_origin(origin)) {
            response.erase(http::field::access_control_allow_origin);
            response.erase(http::field::access_control_allow_credentials);
        }
    }
    bool keep_alive = response.keep_alive();
    response_ = std::move(response);
    answered_ = true;
    beast::get_lowest_layer(stream_).expires_after(ctx_.cfg.handshake_timeout);
    http::async_write(stream_, *response_,
                      beast::bind_front_handler(&http_session::on_write, this->shared_from_this(), keep_alive));
}

template <class Stream> void http_session<Stream>::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
    if (ec) return fail("write", ec, client_);
    if (!keep_alive) return do_close();
    do_read();
}

// An oversized request is answered (431 or 413) and the connection closed: what remains of
// the request is never read.
template <class Stream> void http_session<Stream>::refuse(http::status status, std::string_view why) {
    http_response res(status, 11);
    res.set(http::field::server, "webrtc-star-server");
    res.set(http::field::content_type, "text/plain");
    res.body() = std::string("request ") + std::string(why) + " too large\n";
    res.keep_alive(false);
    res.prepare_payload();
    write(std::move(res));
}

template <class Stream> void http_session<Stream>::do_close() {
    if constexpr (is_tls_v<Stream>) {
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
        stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
        beast::error_code ignored;
        stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    }
}

template class http_session<plain_stream>;
template class http_session<tls_stream>;

}  // namespace star::server
