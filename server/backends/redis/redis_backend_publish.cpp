// The Redis backend's publishing half: presence (joins and leaves of one turn of the loop
// together), signals, the bounds on what waits for Redis, and the synchronous stop that
// publishes the last leaves.
#include "backends/redis/redis_backend.hpp"

#include "random_id.hpp"

#include <hiredis/hiredis.h>

#include <boost/asio/post.hpp>
#include "logger.hpp"

namespace star::server::redis {
namespace net = boost::asio;
namespace fed = protocol::federation;

namespace {

constexpr std::size_t peers_per_envelope = 500;
constexpr std::size_t max_pending_announcements = 100'000;
// What may wait for Redis' acknowledgement (hiredis' output buffer and Redis' input) before
// more is dropped: a slow Redis costs bounded memory, never a blocked hub.
constexpr std::size_t max_publishes_in_flight = 20'000;
constexpr std::size_t max_bytes_in_flight = 64 * 1024 * 1024;
// How long a stopping server waits for Redis to take its last leaves.
constexpr std::chrono::milliseconds leave_publish_bound{2000};

std::shared_ptr<spdlog::logger> log() { return logger_for("signalling"); }

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

void redis_backend::announce(presence_change change, std::vector<std::string> peer_ids) {
    net::post(io_, [this, change, ids = std::move(peer_ids)]() mutable {
        if (shutting_down_ && change != presence_change::left) return;
        remember_own(change, ids);
        if (change != presence_change::snapshot) return queue_announcements(change, std::move(ids));
        if (!up()) return;  // own_peers_ is announced whole once Redis is back
        fed::envelope e;
        e.type = fed::envelope_type::presence;
        e.peers = std::move(ids);
        publish(std::move(e));
    });
}

void redis_backend::remember_own(presence_change change, std::vector<std::string> const& ids) {
    for (auto const& id : ids) {
        if (change == presence_change::left) own_peers_.erase(id);
        else own_peers_.insert(id);
    }
}

void redis_backend::queue_announcements(presence_change change, std::vector<std::string> ids) {
    for (auto& id : ids) {
        // While Redis is away a join needs no queueing: the snapshot after reconnecting has it.
        if (!up() && change == presence_change::joined) continue;
        if (pending_.size() >= max_pending_announcements) {
            metrics_.federation_dropped.inc("queue_full");
            break;  // the others' TTL removes a peer whose leave is lost here
        }
        pending_.emplace_back(change, std::move(id));
    }
    if (!up() || flush_posted_) return;
    flush_posted_ = true;
    net::post(io_, [this] {
        flush_posted_ = false;
        flush_announcements();
    });
}

void redis_backend::flush_announcements() {
    if (!publisher_ready_) return;  // kept until the publisher is back
    fed::envelope e;
    auto emit = [&] {
        if (!e.peers.empty()) publish(std::exchange(e, fed::envelope{}));
    };
    for (auto& [change, id] : pending_) {
        auto type = change == presence_change::left ? fed::envelope_type::leave : fed::envelope_type::join;
        if ((!e.peers.empty() && e.type != type) || e.peers.size() >= peers_per_envelope) emit();
        e.type = type;
        e.peers.push_back(std::move(id));
    }
    emit();
    pending_.clear();
}

void redis_backend::publish_snapshot() {
    fed::envelope e;
    for (auto const& id : own_peers_) {
        e.peers.push_back(id);
        if (e.peers.size() == peers_per_envelope) publish(std::exchange(e, fed::envelope{}));
    }
    if (!e.peers.empty()) publish(std::move(e));  // envelope's type is presence by default
}

void redis_backend::send(remote_signal s) {
    net::post(io_, [this, s = std::move(s)]() mutable {
        if (shutting_down_) return;
        // The publisher's one connection keeps order: the sender's join goes out before its offer.
        if (!pending_.empty()) flush_announcements();
        std::optional<remote_signal> offer;
        if (!s.answer && !s.unavailable) offer = s;
        if (!up()) return give_up(offer, "Redis is unreachable");
        fed::envelope e;
        e.type = s.unavailable ? fed::envelope_type::unavailable : fed::envelope_type::signal;
        e.to = std::move(s.server);
        e.src = std::move(s.src);
        e.dst = std::move(s.dst);
        e.intent = std::move(s.intent);
        e.answer = s.answer;
        e.payload = std::move(s.payload);
        publish(std::move(e), std::move(offer));
    });
}

void redis_backend::publish(fed::envelope e, std::optional<remote_signal> offer) {
    e.from = server_id_;
    e.id = random_id().substr(0, 12) + std::to_string(++next_id_);
    e.ts = now_ms();
    bool signal = e.is_signal();
    std::string text = fed::encode(e);
    if (text.size() > fed::max_envelope_size) {
        metrics_.federation_dropped.inc("too_large");
        return give_up(offer, "too large");
    }
    if (publisher_->awaiting() >= max_publishes_in_flight || bytes_in_flight_ + text.size() > max_bytes_in_flight) {
        metrics_.federation_dropped.inc("queue_full");
        return give_up(offer, "too much is waiting for Redis");
    }
    auto const& channel = signal ? cfg_.redis_channel_prefix + ":signal:" + e.to : presence_channel_;
    auto size = text.size();
    auto started = std::chrono::steady_clock::now();
    auto on_reply = [this, signal, size, started, offer = std::move(offer)](redisReply* r) mutable {
        bytes_in_flight_ -= size;
        if (!r || r->type != REDIS_REPLY_INTEGER) {
            metrics_.federation_dropped.inc("publish_failed");
            give_up(offer, r ? "Redis refused the PUBLISH" : "the connection to Redis was lost");
        } else {
            metrics_.federation_publish_latency.observe(std::chrono::steady_clock::now() - started);
            inc(metrics_.federation_published);
            if (signal) metrics_.federation_signals.inc("published");
            // Nobody subscribes to that server's channel: it is gone, and its peer with it.
            if (r->integer == 0) give_up(offer, "the server holding the peer is gone");
        }
        if (shutting_down_) maybe_finish_shutdown();
    };
    bytes_in_flight_ += size;
    if (!publisher_->command({"PUBLISH", channel, std::move(text)}, std::move(on_reply))) {
        bytes_in_flight_ -= size;  // the handler was destroyed uncalled; its offer goes with it
        metrics_.federation_dropped.inc("publish_failed");
    }
}

// An offer that cannot reach the server holding its peer is answered here, as that server
// would have: its dialer gets "peer is not available" at once rather than silence.
void redis_backend::give_up(std::optional<remote_signal>& offer, std::string_view reason) {
    if (!offer) return;
    metrics_.federation_signals.inc("given_up");
    log()->debug("redis backend: gave up an offer: {}", reason);
    if (shutting_down_) return;
    offer->unavailable = true;
    events_->remote_signal(std::move(*offer));
    offer.reset();
}

void redis_backend::begin_shutdown() {
    shutting_down_ = true;
    reconnect_timer_.cancel();
    watchdog_timer_.cancel();
    if (subscriber_) subscriber_->close();  // nothing reaches the hub from Redis any more
    subscribed_ = false;
    flush_announcements();  // the leaves of every peer that went (when the publisher is up)
    shutdown_timer_.expires_after(leave_publish_bound);
    shutdown_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        log()->warn("redis backend: stopping without confirmation that our leaves were published");
        finish_shutdown();
    });
    maybe_finish_shutdown();
}

void redis_backend::maybe_finish_shutdown() {
    if (!publisher_ready_ || publisher_->awaiting() == 0) finish_shutdown();
}

void redis_backend::finish_shutdown() {
    shutdown_timer_.cancel();
    if (publisher_) publisher_->close();
    work_.reset();
    io_.stop();  // handlers still queued (timers, posts) are dropped, never run
}

}  // namespace star::server::redis
