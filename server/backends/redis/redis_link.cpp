#include "backends/redis/redis_link.hpp"

#include <hiredis/hiredis.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>

namespace star::server::redis {
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;

namespace {

bool is_ip_address(std::string const& host) {
    boost::system::error_code ec;
    net::ip::make_address(host, ec);
    return !ec;
}

// What an operator can act on, for a TLS failure: a certificate the CA file does not vouch for.
std::string tls_reason(boost::system::error_code ec) {
    auto reason = "TLS handshake failed: " + ec.message();
    if (ec.category() == net::error::get_ssl_category() &&
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED)
        reason +=
            " (the server's certificate is not trusted by --redis-tls-ca-file or the system store, or does not "
            "name the host or --redis-tls-server-name)";
    return reason;
}

// ["message", channel, payload], ["subscribe", channel, count]: what a subscribed link receives.
bool is_pubsub_message(redisReply const* r) {
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 || r->element[0]->type != REDIS_REPLY_STRING) return false;
    std::string_view kind(r->element[0]->str, r->element[0]->len);
    return kind == "message" || kind == "subscribe" || kind == "unsubscribe";
}

}  // namespace

redis_link::redis_link(net::any_io_executor ex)
    : resolver_(ex), stream_(std::in_place_type<tcp::socket>, ex), reader_(redisReaderCreate()) {}

redis_link::~redis_link() {
    close();
    redisReaderFree(reader_);
}

redis_link::tcp::socket& redis_link::socket() {
    if (auto* plain = std::get_if<tcp::socket>(&stream_)) return *plain;
    return std::get<tls_stream>(stream_).next_layer();
}

void redis_link::open(link_target const& target, lost_handler on_lost) {
    target_ = target;
    on_lost_ = std::move(on_lost);
    if (target_.tls) stream_.emplace<tls_stream>(tcp::socket(resolver_.get_executor()), *target_.tls);
    resolver_.async_resolve(
        target_.host, std::to_string(target_.port),
        [self = shared_from_this()](boost::system::error_code ec, tcp::resolver::results_type r) {
            if (self->closed_) return;
            if (ec) return self->report_lost("cannot resolve " + self->target_.host + ": " + ec.message());
            self->on_resolved(r);
        });
}

void redis_link::on_resolved(tcp::resolver::results_type const& endpoints) {
    net::async_connect(socket(), endpoints, [self = shared_from_this()](boost::system::error_code ec, tcp::endpoint) {
        if (self->closed_) return;
        if (ec) return self->report_lost("cannot connect: " + ec.message());
        self->on_connected();
    });
}

void redis_link::on_connected() {
    boost::system::error_code ignored;
    socket().set_option(tcp::no_delay(true), ignored);
    auto* tls = std::get_if<tls_stream>(&stream_);
    if (!tls) return on_ready();
    auto const& name = target_.server_name.empty() ? target_.host : target_.server_name;
    // SNI carries host names only (RFC 6066); the certificate is checked against the name either way.
    if (!is_ip_address(name)) SSL_set_tlsext_host_name(tls->native_handle(), name.c_str());
    tls->set_verify_mode(ssl::verify_peer);
    tls->set_verify_callback(ssl::host_name_verification(name));
    tls->async_handshake(ssl::stream_base::client, [self = shared_from_this()](boost::system::error_code ec) {
        if (self->closed_) return;
        if (ec) return self->report_lost(tls_reason(ec));
        self->on_ready();
    });
}

void redis_link::on_ready() {
    ready_ = true;
    do_read();
    do_write();
}

bool redis_link::queue(std::vector<std::string> const& args) {
    if (closed_) return false;
    std::vector<char const*> argv;
    std::vector<std::size_t> lengths;
    for (auto const& a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
    }
    char* formatted = nullptr;
    int n = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()), argv.data(), lengths.data());
    if (n < 0) return false;
    outgoing_.append(formatted, static_cast<std::size_t>(n));
    redisFreeCommand(formatted);
    do_write();
    return true;
}

bool redis_link::command(std::vector<std::string> const& args, reply_handler handler) {
    if (!queue(args)) return false;
    handlers_.push_back(std::move(handler));
    return true;
}

bool redis_link::subscribe(std::vector<std::string> const& channels, reply_handler on_message) {
    std::vector<std::string> args{"SUBSCRIBE"};
    args.insert(args.end(), channels.begin(), channels.end());
    if (!queue(args)) return false;
    on_message_ = std::move(on_message);
    return true;
}

// At most one write in flight; what is queued meanwhile goes in the next one.
void redis_link::do_write() {
    if (!ready_ || closed_ || !writing_.empty() || outgoing_.empty()) return;
    std::swap(writing_, outgoing_);
    auto done = [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
        if (self->closed_) return;
        if (ec) return self->report_lost("connection lost: " + ec.message());
        self->writing_.clear();
        self->do_write();
    };
    std::visit([&](auto& s) { net::async_write(s, net::buffer(writing_), done); }, stream_);
}

void redis_link::do_read() {
    auto done = [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
        if (self->closed_) return;
        if (ec == net::error::eof || ec == ssl::error::stream_truncated)
            return self->report_lost("Redis closed the connection");
        if (ec) return self->report_lost("connection lost: " + ec.message());
        self->on_read(n);
    };
    std::visit([&](auto& s) { s.async_read_some(net::buffer(read_buffer_), done); }, stream_);
}

void redis_link::on_read(std::size_t n) {
    if (redisReaderFeed(reader_, read_buffer_.data(), n) != REDIS_OK) return report_lost("unreadable reply");
    while (!closed_) {
        void* reply = nullptr;
        if (redisReaderGetReply(reader_, &reply) != REDIS_OK) return report_lost("unreadable reply");
        if (!reply) break;
        dispatch(static_cast<redisReply*>(reply));
        freeReplyObject(reply);
    }
    if (!closed_) do_read();
}

void redis_link::dispatch(redisReply* reply) {
    if (on_message_ && is_pubsub_message(reply)) return on_message_(reply);
    if (handlers_.empty()) return;  // a reply nobody asked for: not from a Redis
    auto handler = std::move(handlers_.front());
    handlers_.pop_front();
    handler(reply);
}

void redis_link::close() {
    lost_reported_ = true;  // our own close is not a loss
    if (closed_) return;
    closed_ = true;
    resolver_.cancel();
    boost::system::error_code ignored;
    socket().close(ignored);
    auto pending = std::move(handlers_);
    handlers_.clear();
    for (auto& handler : pending) handler(nullptr);
}

void redis_link::report_lost(std::string reason) {
    if (lost_reported_) return;
    lost_reported_ = true;
    auto handler = on_lost_;
    close();
    net::post(resolver_.get_executor(),
              [handler = std::move(handler), reason = std::move(reason)] { handler(reason); });
}

}  // namespace star::server::redis
