// A small HTTP/1.1 client for nwaku's REST API: one keep-alive connection, requests queued
// (bounded) and sent one at a time, reconnecting when the connection fails. All on the
// executor it is given; callbacks run there too.
//
// A keep-alive connection the server closed while it sat idle fails only at the next
// request; a request marked `retry_if_stale` is then sent once more on a fresh connection
// (for requests that are safe to repeat: a re-published message is deduplicated by relay).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace star::server::waku {

struct rest_response {
    boost::system::error_code error;  // transport failure: no status
    unsigned status = 0;
    std::string body;
};

struct rest_options {
    bool retry_if_stale = false;
    // Largest response body read; nullopt reads any size (for a poll: nwaku has already
    // cleared what it sends, so refusing a large answer would lose the whole batch).
    std::optional<std::uint64_t> body_limit = 1024 * 1024;
};

class rest_client : public std::enable_shared_from_this<rest_client> {
public:
    using callback = std::function<void(rest_response)>;
    static constexpr std::size_t max_queued = 1024;
    // Above nwaku's own 5 s publish timeout, so that its "timedout" answer reaches us.
    static constexpr std::chrono::seconds request_timeout{10};

    using options = rest_options;

    rest_client(boost::asio::any_io_executor executor, std::string host, std::string port);

    // Queues a request; returns false (and never calls back) when the queue is full.
    bool request(boost::beast::http::verb method, std::string target, std::string body, callback done,
                 rest_options opts = {});
    std::size_t queued() const { return queue_.size(); }
    // Closes the connection; no callback runs after this, not even for a request in flight.
    void close();

private:
    struct pending {
        boost::beast::http::request<boost::beast::http::string_body> req;
        callback done;
        options opts;
        bool retried = false;
    };
    void do_next();
    void do_connect();
    void do_write();
    void finish(rest_response r);
    void drop_connection();

    boost::asio::ip::tcp::resolver resolver_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    boost::beast::http::response<boost::beast::http::string_body> res_;
    std::string host_, port_;
    std::deque<pending> queue_;
    bool busy_ = false;
    bool connected_ = false;
    bool reused_ = false;  // the request in flight went out on a connection used before
    bool closed_ = false;
};

}  // namespace star::server::waku
