#include "backends/redis/redis_backend.hpp"

#include <hiredis/hiredis.h>

#include <boost/asio/post.hpp>
#include "logger.hpp"

#include <pthread.h>
#include <csignal>
#include <fstream>
#include <sstream>

namespace star::server::redis {
namespace net = boost::asio;
namespace fed = protocol::federation;

namespace {

constexpr std::chrono::milliseconds max_backoff{5000};

std::shared_ptr<spdlog::logger> log() { return logger_for("signalling"); }

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

redis_backend::redis_backend(config const& cfg, metrics& m, std::string server_id)
    : cfg_(cfg),
      metrics_(m),
      server_id_(std::move(server_id)),
      url_(parse_redis_url(cfg.redis_url)),
      presence_channel_(cfg.redis_channel_prefix + ":presence"),
      signal_channel_(cfg.redis_channel_prefix + ":signal:" + server_id_),
      work_(net::make_work_guard(io_)),
      reconnect_timer_(io_),
      watchdog_timer_(io_),
      shutdown_timer_(io_) {
    if (!cfg.redis_password.empty()) url_.password = cfg.redis_password;
    if (!cfg.redis_password_file.empty()) url_.password = read_password_file(cfg.redis_password_file);
    metrics_.federation_degraded.store(1);
}

redis_backend::~redis_backend() { stop(); }

void redis_backend::start(backend_events& events) {
    events_ = &events;
    log()->info("redis backend: server {} on {} (channels {} and {})", server_id_, masked(url_), presence_channel_,
                signal_channel_);
    thread_ = std::thread([this] {
        // hiredis writes with write(2): to a connection Redis has closed that raises SIGPIPE, which
        // would end the process. Blocked on this thread (the only one hiredis writes from), the
        // write fails with EPIPE instead and the link reports the loss.
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
        io_.run();
    });
    net::post(io_, [this] { do_connect(); });
}

void redis_backend::stop() {
    if (stopping_.exchange(true) || !thread_.joinable()) return;
    net::post(io_, [this] { begin_shutdown(); });
    thread_.join();  // after this, nothing of ours calls into the hub
}

std::optional<std::string> redis_backend::degraded() const {
    std::lock_guard lock(health_mutex_);
    return problem_;
}

void redis_backend::set_problem(std::optional<std::string> reason) {
    std::lock_guard lock(health_mutex_);
    if (reason && (!problem_ || *problem_ != *reason)) log()->warn("redis backend degraded: {}", *reason);
    if (!reason && problem_) log()->info("redis backend: connected to {}, federation up", masked(url_));
    problem_ = std::move(reason);
    metrics_.federation_degraded.store(problem_ ? 1 : 0);
}

std::vector<std::string> redis_backend::auth_command() const {
    if (url_.user.empty()) return {"AUTH", url_.password};
    return {"AUTH", url_.user, url_.password};
}

// Both links at once: AUTH and SELECT are pipelined before SUBSCRIBE and PING, so each link
// is ready after one round trip.
void redis_backend::do_connect() {
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

void redis_backend::on_link_ready() {
    if (!up()) return;
    backoff_ = std::chrono::milliseconds(0);
    set_problem(std::nullopt);
    // Others forgot our peers if we were away longer than their TTL; leaves that waited go after.
    publish_snapshot();
    flush_announcements();
}

void redis_backend::fail(std::string reason) {
    net::post(io_, [this, generation = generation_, reason = std::move(reason)] { on_lost(generation, reason); });
}

void redis_backend::on_lost(std::uint64_t generation, std::string reason) {
    if (generation != generation_ || shutting_down_) return;  // already handled, or stopping
    ++generation_;
    inc(metrics_.federation_reconnects);
    inc(metrics_.federation_backend_errors);
    set_problem("Redis at " + masked(url_) + " unreachable: " + reason);
    subscribed_ = publisher_ready_ = false;
    watchdog_timer_.cancel();
    // Pending publishes fail here: their offers are answered "peer is not available".
    subscriber_->close();
    publisher_->close();
    backoff_ = std::min(max_backoff, backoff_.count() == 0 ? std::chrono::milliseconds(100) : backoff_ * 2);
    reconnect_timer_.expires_after(backoff_);
    reconnect_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec && !shutting_down_) do_connect();
    });
}

// Redis may hang without closing (stopped, swapping, overloaded): a connection not ready
// within --redis-timeout, or a PING unanswered that long, counts as lost.
void redis_backend::schedule_watchdog() {
    watchdog_timer_.expires_after(std::min(std::chrono::milliseconds(1000), cfg_.redis_timeout / 3));
    watchdog_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec && !shutting_down_) on_watchdog();
    });
}

void redis_backend::on_watchdog() {
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
void redis_backend::on_subscriber_reply(redisReply* r) {
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
    on_envelope(std::move(*decoded.value));
}

void redis_backend::on_envelope(fed::envelope e) {
    if (e.from == server_id_) return metrics_.federation_dropped.inc("own_echo");
    if (e.is_signal() && e.to != server_id_) return metrics_.federation_dropped.inc("not_for_us");
    inc(metrics_.federation_received);
    auto age = std::chrono::system_clock::now().time_since_epoch() - std::chrono::milliseconds(e.ts);
    if (age.count() >= 0) metrics_.federation_crossing_latency.observe(age);
    switch (e.type) {
        case fed::envelope_type::presence:
            return events_->remote_presence(e.from, std::move(e.peers), presence_change::snapshot);
        case fed::envelope_type::join:
            return events_->remote_presence(e.from, std::move(e.peers), presence_change::joined);
        case fed::envelope_type::leave:
            return events_->remote_presence(e.from, std::move(e.peers), presence_change::left);
        case fed::envelope_type::signal:
        case fed::envelope_type::unavailable:
            metrics_.federation_signals.inc("received");
            events_->remote_signal({e.from, std::move(e.src), std::move(e.dst), std::move(e.intent), e.answer,
                                    e.type == fed::envelope_type::unavailable, std::move(e.payload)});
            return;
    }
}

}  // namespace star::server::redis
