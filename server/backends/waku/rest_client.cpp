#include "backends/waku/rest_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace star::server::waku {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

rest_client::rest_client(net::any_io_executor executor, std::string host, std::string port)
    : resolver_(executor), stream_(executor), host_(std::move(host)), port_(std::move(port)) {}

bool rest_client::request(http::verb method, std::string target, std::string body, callback done, options opts) {
    if (closed_ || queue_.size() >= max_queued) return false;
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, host_ + ":" + port_);
    req.set(http::field::user_agent, "webrtc-star-server");
    req.set(http::field::accept, "application/json");
    if (!body.empty() || method == http::verb::post) req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.keep_alive(true);
    req.prepare_payload();
    queue_.push_back({std::move(req), std::move(done), opts});
    if (!busy_) do_next();
    return true;
}

void rest_client::close() {
    closed_ = true;
    beast::error_code ignored;
    stream_.socket().close(ignored);
    resolver_.cancel();
}

void rest_client::do_next() {
    if (queue_.empty() || closed_) {
        busy_ = false;
        return;
    }
    busy_ = true;
    reused_ = connected_;
    if (connected_) do_write();
    else do_connect();
}

void rest_client::do_connect() {
    stream_.expires_after(request_timeout);
    resolver_.async_resolve(host_, port_, [self = shared_from_this()](beast::error_code ec, auto results) {
        if (ec) return self->finish({ec, 0, {}});
        self->stream_.async_connect(results, [self](beast::error_code ec, auto const&) {
            if (ec) return self->finish({ec, 0, {}});
            self->connected_ = true;
            self->do_write();
        });
    });
}

void rest_client::do_write() {
    stream_.expires_after(request_timeout);
    http::async_write(stream_, queue_.front().req, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return self->finish({ec, 0, {}});
        self->res_ = {};
        auto parser = std::make_shared<http::response_parser<http::string_body>>();
        if (auto limit = self->queue_.front().opts.body_limit) parser->body_limit(*limit);
        else parser->body_limit(boost::none);
        http::async_read(self->stream_, self->buffer_, *parser, [self, parser](beast::error_code ec, std::size_t) {
            if (ec) return self->finish({ec, 0, {}});
            auto res = parser->release();
            if (!res.keep_alive()) {
                beast::error_code ignored;
                self->stream_.socket().close(ignored);
                self->connected_ = false;
            }
            self->finish({{}, res.result_int(), std::move(res.body())});
        });
    });
}

void rest_client::finish(rest_response r) {
    if (closed_) {
        queue_.clear();  // closed on purpose: what was pending is of no interest to anyone
        return;
    }
    if (r.error) drop_connection();  // the next request starts on a fresh connection
    if (queue_.empty()) return;
    auto& front = queue_.front();
    if (r.error && reused_ && front.opts.retry_if_stale && !front.retried && r.error != beast::error::timeout) {
        // Most likely the server closed the idle connection: once more, on a new one.
        front.retried = true;
        return do_next();
    }
    auto done = std::move(queue_.front().done);
    queue_.pop_front();
    if (done) done(std::move(r));
    do_next();
}

void rest_client::drop_connection() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
    connected_ = false;
    buffer_.clear();
}

}  // namespace star::server::waku
