#include "backends/redis/redis_engine.hpp"

#include "backends/shell/federation_shell.hpp"
#include "logger.hpp"

#include <hiredis/hiredis.h>

#include <boost/asio/post.hpp>

#include <fstream>
#include <sstream>

namespace star::server::redis {
namespace net = boost::asio;
namespace fed = protocol::federation;
using shell::publish_outcome;

namespace {

std::shared_ptr<spdlog::logger> const& log() { return logger_for("signalling"); }

std::string read_password_file(std::string const& path) {
    std::ifstream in(path);
    if (!in) throw std::invalid_argument("cannot read --redis-password-file '" + path + "'");
    std::stringstream text;
    text << in.rdbuf();
    std::string password = text.str();
    if (!password.empty() && password.back() == '\n') password.pop_back();
    if (!password.empty() && password.back() == '\r') password.pop_back();
    return password;
}

std::string_view text_of(redisReply const* r) { return r && r->str ? std::string_view(r->str, r->len) : ""; }

}  // namespace

std::unique_ptr<backend> make_redis_backend(config const& cfg, metrics& m, std::string server_id) {
    return std::make_unique<shell::federation_shell>(m, [&](shell::engine_context ctx) {
        return std::make_unique<redis_engine>(ctx, cfg, m, std::move(server_id));
    });
}

redis_engine::redis_engine(shell::engine_context ctx, config const& cfg, metrics& m, std::string server_id)
    : io_(ctx.io),
      events_(ctx.events),
      cfg_(cfg),
      metrics_(m),
      server_id_(std::move(server_id)),
      url_(parse_redis_url(cfg.redis_url)),
      presence_channel_(cfg.redis_channel_prefix + ":presence"),
      signal_channel_(cfg.redis_channel_prefix + ":signal:" + server_id_),
      watchdog_timer_(ctx.io) {
    if (!cfg.redis_password.empty()) url_.password = cfg.redis_password;
    if (!cfg.redis_password_file.empty()) url_.password = read_password_file(cfg.redis_password_file);
}

void redis_engine::log_start() const {
    log()->info("redis backend: server {} on {} (channels {} and {})", server_id_, masked(url_), presence_channel_,
                signal_channel_);
}

std::vector<std::string> redis_engine::auth_command() const {
    if (url_.user.empty()) return {"AUTH", url_.password};
    return {"AUTH", url_.user, url_.password};
}

// Both links at once: AUTH and SELECT are pipelined before SUBSCRIBE and PING, so each link
// is ready after one round trip.
void redis_engine::connect() {
    auto generation = ++generation_;
    subscribed_ = publisher_ready_ = ping_outstanding_ = false;
    confirmations_ = 2;
    connecting_since_ = std::chrono::steady_clock::now();
    subscriber_ = std::make_shared<redis_link>(io_.get_executor());
    publisher_ = std::make_shared<redis_link>(io_.get_executor());
    auto lost = [this, generation](std::string reason) { on_lost(generation, std::move(reason)); };
    std::string error;
    if (!subscriber_->open(url_.host, url_.port, lost, error) || !publisher_->open(url_.host, url_.port, lost, error))
        return on_lost(generation, "cannot connect: " + error);
    auto check = [this](char const* what) {
        return [this, what](redisReply* r) {
            if (r && r->type == REDIS_REPLY_ERROR)
                fail(std::string("Redis refused ") + what + ": " + std::string(text_of(r)));
        };
    };
    for (auto const& link : {subscriber_, publisher_})
        if (!url_.password.empty()) link->command(auth_command(), check("AUTH"));
    if (url_.db != 0) publisher_->command({"SELECT", std::to_string(url_.db)}, check("SELECT"));
    subscriber_->subscribe({presence_channel_, signal_channel_}, [this](redisReply* r) { on_subscriber_reply(r); });
    publisher_->command({"PING"}, [this](redisReply* r) {
        if (!r || r->type == REDIS_REPLY_ERROR) return;  // the check above, or the loss, says why
        publisher_ready_ = true;
        on_link_ready();
    });
    schedule_watchdog();
}

void redis_engine::on_link_ready() {
    if (up()) events_.link_up("connected to " + masked(url_));
}

void redis_engine::fail(std::string reason) {
    net::post(io_, [this, generation = generation_, reason = std::move(reason)] { on_lost(generation, reason); });
}

void redis_engine::on_lost(std::uint64_t generation, std::string reason) {
    if (generation != generation_ || !receiving_) return;  // already handled, or stopping
    ++generation_;
    subscribed_ = publisher_ready_ = false;
    watchdog_timer_.cancel();
    // What was published and not yet answered fails here (the shell answers its offers).
    subscriber_->close();
    publisher_->close();
    events_.link_lost("Redis at " + masked(url_) + " unreachable: " + reason);
}

// Redis may hang without closing (stopped, swapping, overloaded): a connection not ready
// within --redis-timeout, or a PING unanswered that long, counts as lost.
void redis_engine::schedule_watchdog() {
    watchdog_timer_.expires_after(std::min(std::chrono::milliseconds(1000), cfg_.redis_timeout / 3));
    watchdog_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec && receiving_) on_watchdog();
    });
}

void redis_engine::on_watchdog() {
    auto now = std::chrono::steady_clock::now();
    if (!up() && now - connecting_since_ > cfg_.redis_timeout)
        return on_lost(generation_, "not ready within --redis-timeout");
    if (up() && ping_outstanding_ && now - ping_sent_ > cfg_.redis_timeout)
        return on_lost(generation_, "a PING was not answered within --redis-timeout");
    if (up() && !ping_outstanding_) {
        ping_outstanding_ = true;
        ping_sent_ = now;
        publisher_->command({"PING"}, [this](redisReply* r) {
            if (r) ping_outstanding_ = false;
        });
    }
    schedule_watchdog();
}

// ["subscribe", channel, count] once per channel, then ["message", channel, payload].
void redis_engine::on_subscriber_reply(redisReply* r) {
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 3) return metrics_.federation_dropped.inc("bad_message");
    auto kind = text_of(r->element[0]);
    if (kind == "subscribe") {
        if (--confirmations_ == 0) {
            subscribed_ = true;
            on_link_ready();
        }
        return;
    }
    if (kind != "message") return;
    auto decoded = fed::decode(text_of(r->element[2]));
    if (!decoded.value) return metrics_.federation_dropped.inc(decoded.error);
    events_.received(std::move(*decoded.value));
}

// One message on the wire is the envelope's text, on the presence channel or the receiver's.
shell::wire_message redis_engine::encode(fed::envelope const& e) {
    shell::wire_message out;
    out.bytes = fed::encode(e);
    if (out.bytes.size() > fed::max_envelope_size) out.refused = "too_large";
    if (e.is_signal()) out.to = e.to;
    return out;
}

void redis_engine::transmit(shell::wire_message const& m, publish_done done) {
    auto channel = m.to.empty() ? presence_channel_ : cfg_.redis_channel_prefix + ":signal:" + m.to;
    auto on_reply = [done](redisReply* r) {
        if (!r) return done({publish_outcome::unknown});                               // the connection went with it
        if (r->type != REDIS_REPLY_INTEGER) return done({publish_outcome::not_sent});  // Redis refused it
        // Nobody subscribes to that server's channel: it is gone.
        done({r->integer == 0 ? publish_outcome::no_receiver : publish_outcome::delivered});
    };
    if (!publisher_ || !publisher_->command({"PUBLISH", channel, m.bytes}, on_reply)) done({publish_outcome::not_sent});
}

// Shutdown, step 1: nothing from Redis reaches the shell any more; the publisher stays for the
// last leaves.
void redis_engine::stop_receiving() {
    receiving_ = false;
    watchdog_timer_.cancel();
    if (subscriber_) subscriber_->close();
    subscribed_ = false;
}

void redis_engine::close() {
    stop_receiving();
    if (publisher_) publisher_->close();
}

}  // namespace star::server::redis
