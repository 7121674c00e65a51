// One connection to Redis (or to a Sentinel): our own I/O on an Asio TCP socket, or on an OpenSSL
// stream over it for rediss://, with hiredis kept for what it does well: formatting commands
// (redisFormatCommandArgv) and parsing replies (its RESP reader). Debian 12's hiredis 0.14 has no
// TLS, and no TLS-capable Redis client library is packaged there (README, "TLS to Redis"); one
// link type serves both, the stream being the only difference.
//
// Replies come in the order commands went (RESP), so handlers wait in a FIFO queue; once
// subscribe() was called, pub/sub messages go to its handler instead.
//
// Not thread-safe: every member is called on the executor's one thread. A link is used once:
// after it is lost or closed the owner makes a new one. Handlers may call close() but must not
// destroy the link (pending operations keep it alive through shared_from_this).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

struct redisReader;
struct redisReply;

namespace star::server::redis {

// Where a link goes. tls is null for redis://; server_name is what the certificate must name (and
// the SNI sent, unless it is an IP address).
struct link_target {
    std::string host;
    int port = 6379;
    std::shared_ptr<boost::asio::ssl::context> tls;
    std::string server_name;
};

class redis_link : public std::enable_shared_from_this<redis_link> {
public:
    // reply is nullptr when the link went before the reply came.
    using reply_handler = std::function<void(redisReply* reply)>;
    // Called once, posted, when the connection fails or ends, unless close() came first.
    using lost_handler = std::function<void(std::string reason)>;

    explicit redis_link(boost::asio::any_io_executor ex);
    ~redis_link();
    redis_link(redis_link const&) = delete;
    redis_link& operator=(redis_link const&) = delete;

    // Resolves, connects and (for TLS) shakes hands; commands may be queued at once.
    void open(link_target const& target, lost_handler on_lost);
    // Queues a command; its handler is called exactly once. False when the link is closed or lost.
    bool command(std::vector<std::string> const& args, reply_handler handler);
    // SUBSCRIBE: on_message sees every pub/sub reply (confirmations and messages).
    bool subscribe(std::vector<std::string> const& channels, reply_handler on_message);
    void close();  // safe twice; pending handlers are called with nullptr
    bool is_open() const { return !closed_; }
    std::size_t awaiting() const { return handlers_.size(); }  // replies to command() not yet come

private:
    using tcp = boost::asio::ip::tcp;
    using tls_stream = boost::asio::ssl::stream<tcp::socket>;

    bool queue(std::vector<std::string> const& args);
    void on_resolved(tcp::resolver::results_type const& endpoints);
    void on_connected();
    void on_ready();
    void do_write();
    void do_read();
    void on_read(std::size_t n);
    void dispatch(redisReply* reply);
    void report_lost(std::string reason);
    tcp::socket& socket();

    tcp::resolver resolver_;
    std::variant<tcp::socket, tls_stream> stream_;
    link_target target_;
    redisReader* reader_;
    lost_handler on_lost_;
    reply_handler on_message_;
    std::deque<reply_handler> handlers_;
    std::string outgoing_, writing_;
    std::array<char, 16 * 1024> read_buffer_;
    bool ready_ = false, closed_ = false, lost_reported_ = false;
};

}  // namespace star::server::redis
