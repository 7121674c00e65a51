#include "backends/waku/waku_backend.hpp"

#include "protocol/base64.hpp"
#include "protocol/json_scan.hpp"
#include "transport/random_id.hpp"

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>
#include "logger.hpp"

namespace star::server::waku {
namespace net = boost::asio;
namespace http = boost::beast::http;
namespace fed = protocol::federation;

namespace {

constexpr std::size_t max_seen = 8192;
constexpr std::chrono::milliseconds flush_delay{50};
constexpr std::chrono::milliseconds max_backoff{5000};
constexpr std::size_t max_pending_announcements = 100'000;

std::shared_ptr<spdlog::logger> log() { return logger_for("signalling"); }

std::string url_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}

struct url_parts {
    std::string host, port, path;
};

// http://host[:port][/path]
url_parts parse_url(std::string const& url) {
    std::string rest = url.substr(7);
    auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    url_parts u;
    u.path = slash == std::string::npos ? "" : rest.substr(slash);
    while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
    auto colon = authority.rfind(':');
    auto bracket = authority.find(']');  // an IPv6 literal: [::1]:8645
    if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
        u.host = authority.substr(0, colon);
        u.port = authority.substr(colon + 1);
    } else {
        u.host = authority;
        u.port = "80";
    }
    if (!u.host.empty() && u.host.front() == '[') u.host = u.host.substr(1, u.host.size() - 2);
    return u;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

waku_backend::waku_backend(config const& cfg, metrics& m, std::string server_id)
    : cfg_(cfg),
      metrics_(m),
      server_id_(std::move(server_id)),
      topic_path_(url_encode(cfg.waku_pubsub_topic)),
      presence_topic_(cfg.waku_content_topic_prefix + "/presence/json"),
      signal_topic_(cfg.waku_content_topic_prefix + "/signal/json"),
      work_(net::make_work_guard(io_)),
      poll_timer_(io_),
      flush_timer_(io_) {
    auto url = parse_url(cfg.waku_rest_url);
    base_path_ = url.path;
    poller_ = std::make_shared<rest_client>(io_.get_executor(), url.host, url.port);
    publisher_ = std::make_shared<rest_client>(io_.get_executor(), url.host, url.port);
    metrics_.federation_degraded.store(1);
}

waku_backend::~waku_backend() {
    stop();
    if (thread_.joinable()) thread_.join();
}

void waku_backend::start(backend_events& events) {
    events_ = &events;
    log()->info("waku backend: server {} on {} via {}", server_id_, cfg_.waku_pubsub_topic, cfg_.waku_rest_url);
    thread_ = std::thread([this] { io_.run(); });
    net::post(io_, [this] { do_subscribe(); });
}

void waku_backend::stop() {
    net::post(io_, [this] {
        poll_timer_.cancel();
        flush_timer_.cancel();
        poller_->close();
        publisher_->close();
        work_.reset();
    });
}

std::optional<std::string> waku_backend::degraded() const {
    std::lock_guard lock(health_mutex_);
    return degraded_;
}

void waku_backend::set_degraded(std::string reason) {
    inc(metrics_.federation_backend_errors);
    metrics_.federation_degraded.store(1);
    std::lock_guard lock(health_mutex_);
    if (!degraded_ || *degraded_ != reason) log()->warn("waku backend degraded: {}", reason);
    degraded_ = std::move(reason);
}

void waku_backend::set_healthy() {
    backoff_ = std::chrono::milliseconds(0);
    metrics_.federation_degraded.store(0);
    std::lock_guard lock(health_mutex_);
    if (degraded_) log()->info("waku backend: nwaku reachable, federation up");
    degraded_.reset();
}

std::chrono::milliseconds waku_backend::next_backoff() {
    backoff_ = std::min(max_backoff, backoff_.count() == 0 ? std::chrono::milliseconds(100) : backoff_ * 2);
    return backoff_;
}

void waku_backend::do_subscribe() {
    std::string body = "[";
    protocol::json::append_quoted(body, cfg_.waku_pubsub_topic);
    body += ']';
    poller_->request(http::verb::post, base_path_ + "/relay/v1/subscriptions", body, [this](rest_response r) {
        if (r.error || r.status != 200) {
            set_degraded(r.error ? "nwaku unreachable: " + r.error.message()
                                 : "nwaku refused the subscription: HTTP " + std::to_string(r.status));
            subscribed_ = false;
            poll_timer_.expires_after(next_backoff());
            poll_timer_.async_wait([this](boost::system::error_code ec) {
                if (!ec) do_subscribe();
            });
            return;
        }
        subscribed_ = true;
        set_healthy();
        schedule_poll(std::chrono::milliseconds(0));
    });
}

void waku_backend::schedule_poll(std::chrono::milliseconds delay) {
    poll_timer_.expires_after(delay);
    poll_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) do_poll();
    });
}

void waku_backend::do_poll() {
    auto started = std::chrono::steady_clock::now();
    poller_->request(http::verb::get, base_path_ + "/relay/v1/messages/" + topic_path_, {},
                     [this, started](rest_response r) {
                                          metrics_.federation_poll_latency.observe(std::chrono::steady_clock::now() - started);
                         if (r.error || r.status == 404) {
                             // Unreachable, or nwaku restarted and forgot our subscription.
                             set_degraded(r.error ? "nwaku unreachable: " + r.error.message()
                                                  : "nwaku lost the subscription (restarted?)");
                             poll_timer_.expires_after(next_backoff());
                             poll_timer_.async_wait([this](boost::system::error_code ec) {
                                 if (!ec) do_subscribe();
                             });
                             return;
                         }
                         if (r.status == 200) {
                             set_healthy();
                             on_messages(r.body);
                         } else {
                             set_degraded("nwaku answered a poll with HTTP " + std::to_string(r.status));
                         }
                         schedule_poll(cfg_.waku_poll_interval);
                     });
}

void waku_backend::on_messages(std::string const& body) {
    auto messages = nlohmann::json::parse(body, nullptr, false);
    if (!messages.is_array()) {
        metrics_.federation_dropped.inc("bad_message");
        return;
    }
    for (auto const& m : messages) {
        if (!m.is_object() || !m.contains("payload") || !m["payload"].is_string() || !m.contains("contentTopic") ||
            !m["contentTopic"].is_string()) {
            metrics_.federation_dropped.inc("bad_message");
            continue;
        }
        auto const& topic = m["contentTopic"].get_ref<std::string const&>();
        if (topic != presence_topic_ && topic != signal_topic_) continue;  // someone else's traffic
        auto payload = protocol::base64_decode(m["payload"].get_ref<std::string const&>());
        if (!payload) {
            metrics_.federation_dropped.inc("bad_message");
            continue;
        }
        auto decoded = fed::decode(*payload);
        if (!decoded.value) {
            metrics_.federation_dropped.inc(decoded.error);
            continue;
        }
        on_envelope(std::move(*decoded.value));
    }
}

bool waku_backend::seen(std::string const& id) {
    if (!seen_.insert(id).second) return true;
    seen_order_.push_back(id);
    if (seen_order_.size() > max_seen) {
        seen_.erase(seen_order_.front());
        seen_order_.pop_front();
    }
    return false;
}

void waku_backend::on_envelope(fed::envelope e) {
    if (e.from == server_id_) return metrics_.federation_dropped.inc("own_echo");
    if (seen(e.from + "/" + e.id)) return metrics_.federation_dropped.inc("duplicate");
    if (e.is_signal() && e.to != server_id_) return metrics_.federation_dropped.inc("not_for_us");
    inc(metrics_.federation_received);
    switch (e.type) {
        case fed::envelope_type::presence:
            return events_->remote_presence(e.from, std::move(e.peers), presence_change::snapshot);
        case fed::envelope_type::join:
            return events_->remote_presence(e.from, std::move(e.peers), presence_change::joined);
        case fed::envelope_type::leave:
            return events_->remote_presence(e.from, std::move(e.peers), presence_change::left);
        case fed::envelope_type::signal:
        case fed::envelope_type::unavailable:
            events_->remote_signal({e.from, std::move(e.src), std::move(e.dst), std::move(e.intent), e.answer,
                                    e.type == fed::envelope_type::unavailable, std::move(e.payload)});
            return;
    }
}

std::string waku_backend::new_envelope_id() { return random_id().substr(0, 12) + std::to_string(++next_id_); }

void waku_backend::announce(presence_change change, std::vector<std::string> peer_ids) {
    net::post(io_, [this, change, ids = std::move(peer_ids)]() mutable {
        if (change == presence_change::snapshot) {
            fed::envelope e;
            e.type = fed::envelope_type::presence;
            e.peers = std::move(ids);
            return publish(std::move(e));
        }
        // Joins and leaves are coalesced for a moment: a burst of joins is one envelope.
        for (auto& id : ids) {
            if (pending_.size() >= max_pending_announcements) {
                metrics_.federation_dropped.inc("queue_full");
                break;  // the next presence snapshot repairs what is lost here
            }
            pending_.emplace_back(change, std::move(id));
        }
        if (flush_scheduled_) return;
        flush_scheduled_ = true;
        flush_timer_.expires_after(flush_delay);
        flush_timer_.async_wait([this](boost::system::error_code ec) {
            flush_scheduled_ = false;
            if (!ec) flush_announcements();
        });
    });
}

void waku_backend::flush_announcements() {
    fed::envelope e;
    auto emit = [&] {
        if (!e.peers.empty()) publish(std::exchange(e, fed::envelope{}));
    };
    for (auto& [change, id] : pending_) {
        auto type = change == presence_change::left ? fed::envelope_type::leave : fed::envelope_type::join;
        if ((!e.peers.empty() && e.type != type) || e.peers.size() >= 500) emit();
        e.type = type;
        e.peers.push_back(std::move(id));
    }
    emit();
    pending_.clear();
}

void waku_backend::send(remote_signal s) {
    net::post(io_, [this, s = std::move(s)]() mutable {
        fed::envelope e;
        e.type = s.unavailable ? fed::envelope_type::unavailable : fed::envelope_type::signal;
        e.to = std::move(s.server);
        e.src = std::move(s.src);
        e.dst = std::move(s.dst);
        e.intent = std::move(s.intent);
        e.answer = s.answer;
        e.payload = std::move(s.payload);
        publish(std::move(e));
    });
}

void waku_backend::publish(fed::envelope e) {
    e.from = server_id_;
    e.id = new_envelope_id();
    e.ts = now_ms();
    std::string text = fed::encode(e);
    if (text.size() > fed::max_envelope_size) return metrics_.federation_dropped.inc("too_large");
    auto const& topic = e.is_signal() ? signal_topic_ : presence_topic_;
    std::string body = "{\"payload\":\"" + protocol::base64_encode(text) + "\",\"contentTopic\":";
    protocol::json::append_quoted(body, topic);
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
    body += ",\"timestamp\":" + std::to_string(ns.count()) + ",\"ephemeral\":true}";
    bool queued = publisher_->request(http::verb::post, base_path_ + "/relay/v1/messages/" + topic_path_,
                                      std::move(body), [this](rest_response r) {
                                                                            if (r.error || r.status != 200) {
                                              metrics_.federation_dropped.inc("publish_failed");
                                              set_degraded(r.error ? "nwaku unreachable: " + r.error.message()
                                                                   : "nwaku refused a publish: HTTP " +
                                                                         std::to_string(r.status) + " " + r.body);
                                              return;
                                          }
                                          inc(metrics_.federation_published);
                                      });
    if (!queued) metrics_.federation_dropped.inc("queue_full");
}

}  // namespace star::server::waku
