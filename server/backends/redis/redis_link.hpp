// One connection to Redis: hiredis' async context (its reader and command formatting; we write
// no RESP) with its socket watched by Asio on the owner's executor, through the event hooks
// hiredis offers adapters (addRead/delRead/addWrite/delWrite/cleanup).
//
// Not thread-safe: every member is called on the executor's one thread, like hiredis' own
// callbacks. A link is used once: after it is lost or closed the owner makes a new one.
// Reply handlers run inside hiredis' callback; they may call close() (hiredis then frees the
// context when the callback returns) but must not destroy the link (handlers of pending
// waits keep it alive through shared_from_this).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

struct redisAsyncContext;
struct redisReply;

namespace star::server::redis {

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

    // Starts a non-blocking connect; commands may be queued at once. False (with the reason in
    // `error`) when hiredis could not even start (e.g. the host does not resolve).
    bool open(std::string const& host, int port, lost_handler on_lost, std::string& error);
    // Queues a command; its handler is called exactly once. False when the link is closed or lost.
    bool command(std::vector<std::string> const& args, reply_handler handler);
    // SUBSCRIBE: on_message sees every reply for these channels (confirmations and messages).
    bool subscribe(std::vector<std::string> const& channels, reply_handler on_message);
    void close();  // safe twice; pending handlers are called with nullptr
    bool is_open() const { return context_ != nullptr; }
    std::size_t awaiting() const { return awaiting_; }  // replies to command() not yet come

private:
    static void on_connect(redisAsyncContext const* c, int status);
    static void on_disconnect(redisAsyncContext const* c, int status);
    static void on_reply(redisAsyncContext* c, void* reply, void* privdata);
    static void on_subscribed(redisAsyncContext* c, void* reply, void* privdata);
    static void add_read(void* self);
    static void del_read(void* self);
    static void add_write(void* self);
    static void del_write(void* self);
    static void cleanup(void* self);

    void wait_readable();
    void wait_writable();
    void report_lost(std::string reason);

    boost::asio::posix::stream_descriptor socket_;
    redisAsyncContext* context_ = nullptr;
    lost_handler on_lost_;
    reply_handler on_message_;
    bool want_read_ = false, want_write_ = false;
    bool read_waiting_ = false, write_waiting_ = false;
    bool lost_reported_ = false;
    std::size_t awaiting_ = 0;
};

}  // namespace star::server::redis
