#include "backends/redis/redis_link.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/post.hpp>

namespace star::server::redis {
namespace net = boost::asio;

namespace {

redis_link* link_of(redisAsyncContext const* c) { return static_cast<redis_link*>(c->data); }

}  // namespace

redis_link::redis_link(net::any_io_executor ex) : socket_(std::move(ex)) {}

redis_link::~redis_link() { close(); }

// Note: hiredis 0.14 resolves a host name with a blocking getaddrinfo; this runs on the
// backend's own thread, so a slow resolver delays only the backend, never signalling.
bool redis_link::open(std::string const& host, int port, lost_handler on_lost, std::string& error) {
    on_lost_ = std::move(on_lost);
    context_ = redisAsyncConnect(host.c_str(), port);
    if (!context_) {
        error = "out of memory";
        return false;
    }
    if (context_->err) {
        error = context_->errstr;
        redisAsyncFree(context_);
        context_ = nullptr;
        return false;
    }
    context_->data = this;
    context_->ev.data = this;
    context_->ev.addRead = &redis_link::add_read;
    context_->ev.delRead = &redis_link::del_read;
    context_->ev.addWrite = &redis_link::add_write;
    context_->ev.delWrite = &redis_link::del_write;
    context_->ev.cleanup = &redis_link::cleanup;
    redisAsyncSetConnectCallback(context_, &redis_link::on_connect);
    redisAsyncSetDisconnectCallback(context_, &redis_link::on_disconnect);
    boost::system::error_code ec;
    socket_.assign(context_->c.fd, ec);
    if (ec) {
        error = "cannot watch the socket: " + ec.message();
        close();
        return false;
    }
    add_write(this);  // writable = the non-blocking connect finished (hiredis checks how)
    return true;
}

bool redis_link::command(std::vector<std::string> const& args, reply_handler handler) {
    if (!context_) return false;
    std::vector<char const*> argv;
    std::vector<std::size_t> lengths;
    for (auto const& a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
    }
    auto* owned = new reply_handler(std::move(handler));
    if (redisAsyncCommandArgv(context_, &redis_link::on_reply, owned, static_cast<int>(argv.size()), argv.data(),
                              lengths.data()) != REDIS_OK) {
        delete owned;
        return false;
    }
    ++awaiting_;
    return true;
}

bool redis_link::subscribe(std::vector<std::string> const& channels, reply_handler on_message) {
    if (!context_) return false;
    on_message_ = std::move(on_message);
    std::vector<std::string> args{"SUBSCRIBE"};
    args.insert(args.end(), channels.begin(), channels.end());
    std::vector<char const*> argv;
    std::vector<std::size_t> lengths;
    for (auto const& a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
    }
    // hiredis keeps this callback per channel and calls it for every message on it.
    return redisAsyncCommandArgv(context_, &redis_link::on_subscribed, this, static_cast<int>(argv.size()), argv.data(),
                                 lengths.data()) == REDIS_OK;
}

void redis_link::close() {
    lost_reported_ = true;  // our own close is not a loss
    if (!context_) return;
    auto* c = std::exchange(context_, nullptr);
    // Calls pending reply handlers with nullptr, then cleanup (which lets go of the socket
    // before hiredis closes it). Deferred by hiredis when called from inside its callback.
    redisAsyncFree(c);
}

void redis_link::report_lost(std::string reason) {
    if (lost_reported_) return;
    lost_reported_ = true;
    net::post(socket_.get_executor(), [handler = on_lost_, reason = std::move(reason)] { handler(reason); });
}

void redis_link::on_connect(redisAsyncContext const* c, int status) {
    if (status != REDIS_OK) link_of(c)->report_lost(std::string("cannot connect: ") + c->errstr);
}

void redis_link::on_disconnect(redisAsyncContext const* c, int status) {
    link_of(c)->report_lost(status == REDIS_OK ? std::string("Redis closed the connection")
                                               : std::string("connection lost: ") + c->errstr);
}

void redis_link::on_reply(redisAsyncContext* c, void* reply, void* privdata) {
    std::unique_ptr<reply_handler> handler(static_cast<reply_handler*>(privdata));
    --link_of(c)->awaiting_;
    (*handler)(static_cast<redisReply*>(reply));
}

void redis_link::on_subscribed(redisAsyncContext*, void* reply, void* privdata) {
    if (reply) static_cast<redis_link*>(privdata)->on_message_(static_cast<redisReply*>(reply));
}

void redis_link::add_read(void* self) {
    auto* link = static_cast<redis_link*>(self);
    link->want_read_ = true;
    link->wait_readable();
}

void redis_link::del_read(void* self) { static_cast<redis_link*>(self)->want_read_ = false; }

void redis_link::add_write(void* self) {
    auto* link = static_cast<redis_link*>(self);
    link->want_write_ = true;
    link->wait_writable();
}

void redis_link::del_write(void* self) { static_cast<redis_link*>(self)->want_write_ = false; }

void redis_link::cleanup(void* self) {
    auto* link = static_cast<redis_link*>(self);
    link->want_read_ = link->want_write_ = false;
    link->context_ = nullptr;
    // hiredis closes the descriptor itself; release() only stops watching it and aborts the waits.
    if (link->socket_.is_open()) link->socket_.release();
}

void redis_link::wait_readable() {
    if (read_waiting_ || !context_ || !socket_.is_open()) return;
    read_waiting_ = true;
    socket_.async_wait(net::posix::descriptor_base::wait_read,
                       [self = shared_from_this()](boost::system::error_code ec) {
                           self->read_waiting_ = false;
                           if (ec || !self->context_ || !self->want_read_) return;
                           redisAsyncHandleRead(self->context_);  // may free the context (cleanup clears context_)
                           if (self->want_read_) self->wait_readable();
                       });
}

void redis_link::wait_writable() {
    if (write_waiting_ || !context_ || !socket_.is_open()) return;
    write_waiting_ = true;
    socket_.async_wait(net::posix::descriptor_base::wait_write,
                       [self = shared_from_this()](boost::system::error_code ec) {
                           self->write_waiting_ = false;
                           if (ec || !self->context_ || !self->want_write_) return;
                           redisAsyncHandleWrite(self->context_);
                           if (self->want_write_) self->wait_writable();
                       });
}

}  // namespace star::server::redis
