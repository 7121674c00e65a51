#include "transport/http_session.hpp"

#include "http/endpoints.hpp"
#include "transport/client_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

namespace star::server {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

namespace {
constexpr std::uint32_t header_limit = 8 * 1024;
constexpr std::uint64_t body_limit = 64 * 1024;
constexpr std::chrono::seconds keep_alive_timeout{30};
}  // namespace

http_session::http_session(net::ip::tcp::socket&& socket, server_context& ctx, socket_slot slot)
    : stream_(std::move(socket)), ctx_(ctx), slot_(std::move(slot)) {}

void http_session::run() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&http_session::do_read, shared_from_this()));
}

void http_session::do_read() {
    parser_.emplace();
    parser_->header_limit(header_limit);
    parser_->body_limit(body_limit);
    stream_.expires_after(response_ ? std::chrono::duration_cast<std::chrono::milliseconds>(keep_alive_timeout)
                                    : ctx_.cfg.handshake_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return do_close();
    if (ec) {
        if (ec != beast::error::timeout && ec != net::error::operation_aborted)
            spdlog::get("transport")->debug("http read: {}", ec.message());
        return;  // bad request or timeout: drop the connection
    }
    auto req = parser_->release();
    if (beast::websocket::is_upgrade(req)) {
        auto decision = decide_upgrade(req);
        if (decision.version) {
            auto session = std::make_shared<client_session>(stream_.release_socket(), *decision.version, ctx_,
                                                             std::move(*slot_));
            session->run(std::move(req));
            return;
        }
        decision.refusal->keep_alive(false);
        auto res = std::make_shared<http_response>(std::move(*decision.refusal));
        response_ = res;
        http::async_write(stream_, *res, beast::bind_front_handler(&http_session::on_write, shared_from_this(), false));
        return;
    }
    auto res = std::make_shared<http_response>(handle_http(req, ctx_.cfg, ctx_.stats));
    bool keep_alive = res->keep_alive();
    response_ = res;
    http::async_write(stream_, *res,
                      beast::bind_front_handler(&http_session::on_write, shared_from_this(), keep_alive));
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
    if (ec) return;
    if (!keep_alive) return do_close();
    do_read();
}

void http_session::do_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace star::server
