// The long-polling half of http_session: a request for the polling transport is handed to
// its polling_transport (found by sid), and the answer comes back through a callback that
// writes it on this connection's own thread. Meanwhile nothing is read from the connection.
#include "transport/http_session.hpp"

#include "transport/engineio_session.hpp"
#include "transport/websocket_transport.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/ssl.hpp>

#include <sys/socket.h>
#include <cerrno>

namespace star::server {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace eio = protocol::engineio;

template <class Stream> bool http_session<Stream>::is_polling_post() const {
    auto const& req = parser_->get();
    if (req.method() != http::verb::post || !ctx_.cfg.transports_polling) return false;
    auto target = req.target();
    return is_engineio_path(target.substr(0, target.find('?')));
}

template <class Stream> void http_session<Stream>::serve_polling(http_request& req, polling_request const& p) {
    if (!admit_request(req)) return;  // every request of a session: its origin, and the lists
    if (!p.sid) {
        if (ctx_.open_sockets.load() >= ctx_.cfg.max_connections) {
            // A polling session holds a connection slot like a socket: past the limit, refuse.
            inc(ctx_.metrics.connections_refused);
            auto res = engineio_error(req, eio::handshake_error::bad_request);
            res.result(http::status::service_unavailable);
            return write(std::move(res));
        }
        admission::address_limits::slot address_slot;
        if (!admit_session(req, address_slot)) return;
        auto session = std::make_shared<engineio_session>(stream_.get_executor(), p.version, ctx_, client_address());
        session->admitted(client_ip_, std::move(address_slot));
        auto polling = std::make_shared<polling_transport>(std::move(session),
                                                           socket_slot(ctx_, {}));  // its address holds a session slot
        return polling->start(reply_to(req));
    }
    auto polling = ctx_.polling.find(*p.sid);
    if (!polling) return write(engineio_error(req, eio::handshake_error::unknown_sid));
    if (req.method() == http::verb::post) return polling->post(std::move(req.body()), reply_to(req));
    polling->poll(reply_to(req), this);
    if constexpr (!is_tls_v<Stream>) watch_pending_poll(polling);
}

// engine.io ends a session whose pending GET's connection closes. Nothing is read while a GET
// waits, so we wait for readability and peek: end of stream means the client is gone. (Plain
// TCP only: under TLS the bytes seen would be records, not the end.)
template <class Stream>
void http_session<Stream>::watch_pending_poll(std::shared_ptr<polling_transport> const& polling) {
    auto generation = ++poll_generation_;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.async_wait(net::socket_base::wait_read, [self = this->shared_from_this(), weak = std::weak_ptr(polling),
                                                    generation](beast::error_code ec) {
        if (generation != self->poll_generation_) return;  // answered since: a later request's bytes
        char c;
        auto n =
            ::recv(beast::get_lowest_layer(self->stream_).socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
        bool gone = ec || n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
        if (auto s = weak.lock(); s && gone) s->poll_abandoned(self.get());
    });
}

// The reply may come from another thread, and much later (a GET waits for packets).
template <class Stream> polling_reply_fn http_session<Stream>::reply_to(http_request const& req) {
    http_response head{http::status::ok, req.version()};
    head.set(http::field::server, "webrtc-star-server");
    head.set(http::field::cache_control, "no-store");
    head.keep_alive(req.keep_alive());
    if (auto origin = req[http::field::origin]; !origin.empty()) {
        head.set(http::field::access_control_allow_origin, origin);
        head.set(http::field::access_control_allow_credentials, "true");
        head.set(http::field::vary, "origin");
    }
    return [self = this->shared_from_this(), head = std::move(head)](polling_reply r) mutable {
        net::post(self->stream_.get_executor(), [self, head = std::move(head), r = std::move(r)]() mutable {
            ++self->poll_generation_;
            head.result(r.status);
            if (!r.content_type.empty()) head.set(http::field::content_type, r.content_type);
            head.body() = std::move(r.body);
            head.prepare_payload();
            self->write(std::move(head));
        });
    };
}

// A WebSocket with the sid of a polling session: a transport of that session, which decides
// (on its own thread, once the 101 is written) whether the upgrade goes on.
template <class Stream>
void http_session<Stream>::upgrade_polling_session(http_request const& req, std::string const& sid) {
    auto polling = ctx_.polling.find(sid);
    if (!polling) {
        auto res = engineio_error(req, eio::handshake_error::unknown_sid);
        res.keep_alive(false);
        return write(std::move(res));
    }
    std::string early = beast::buffers_to_string(buffer_.data());
    auto websocket = std::make_shared<websocket_transport<Stream>>(std::move(stream_), polling->session(),
                                                                   std::move(*slot_), ssl_context_, std::move(early));
    websocket->run(req);
}

template class http_session<plain_stream>;
template class http_session<tls_stream>;

}  // namespace star::server
