// The long-polling half of http_session: a request for the polling transport is handed to
// its polling_session (found by sid), and the answer comes back through a callback that
// writes it on this connection's own thread. Meanwhile nothing is read from the connection.
#include "transport/http_session.hpp"

#include "transport/client_session.hpp"

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
    if (!p.sid) {
        if (ctx_.open_sockets.load() >= ctx_.cfg.max_connections) {
            // A polling session holds a connection slot like a socket: past the limit, refuse.
            inc(ctx_.stats.connections_refused);
            auto res = engineio_error(req, eio::handshake_error::bad_request);
            res.result(http::status::service_unavailable);
            return write(std::move(res));
        }
        auto session = std::make_shared<polling_session>(stream_.get_executor(), p.version, ctx_, socket_slot(ctx_));
        return session->start(reply_to(req));
    }
    auto session = ctx_.polling.find(*p.sid);
    if (!session) return write(engineio_error(req, eio::handshake_error::unknown_sid));
    if (req.method() == http::verb::post) return session->post(std::move(req.body()), reply_to(req));
    session->poll(reply_to(req), this);
    if constexpr (!is_tls_v<Stream>) watch_pending_poll(session);
}

// engine.io ends a session whose pending GET's connection closes. Nothing is read while a GET
// waits, so we wait for readability and peek: end of stream means the client is gone. (Plain
// TCP only: under TLS the bytes seen would be records, not the end.)
template <class Stream> void http_session<Stream>::watch_pending_poll(std::shared_ptr<polling_session> const& session) {
    auto generation = ++poll_generation_;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.async_wait(net::socket_base::wait_read, [self = this->shared_from_this(), weak = std::weak_ptr(session),
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

// A WebSocket with the sid of a polling session: it becomes that session's carrier, and the
// session decides (on its own thread) whether the upgrade goes on.
template <class Stream>
void http_session<Stream>::upgrade_polling_session(http_request const& req, std::string const& sid,
                                                   eio::version version) {
    auto owner = ctx_.polling.find(sid);
    if (!owner) {
        auto res = engineio_error(req, eio::handshake_error::unknown_sid);
        res.keep_alive(false);
        return write(std::move(res));
    }
    std::string early = beast::buffers_to_string(buffer_.data());
    auto carrier = std::make_shared<client_session<Stream>>(std::move(stream_), version, ctx_, std::move(*slot_),
                                                            ssl_context_, std::move(early));
    carrier->carry_for(owner);
    owner->offer_carrier(carrier);
    carrier->run(req);
}

template class http_session<plain_stream>;
template class http_session<tls_stream>;

}  // namespace star::server
