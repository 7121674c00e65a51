#include "backends/waku/waku_backend.hpp"

#include "protocol/base64.hpp"
#include "protocol/json_scan.hpp"
#include "random_id.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>
#include "logger.hpp"

namespace star::server::waku {
namespace net = boost::asio;
namespace http = boost::beast::http;
namespace fed = protocol::federation;

namespace {

constexpr std::chrono::milliseconds max_backoff{5000};
// How often nwaku's /health is read: how soon /readyz notices a node cut off from its relay.
constexpr std::chrono::milliseconds health_interval{5000};
// A poll answer is read whatever its size: nwaku cleared those messages when it sent them.
constexpr rest_client::options poll_options{false, std::nullopt};
constexpr rest_client::options retry_options{true, 1024 * 1024};

std::shared_ptr<spdlog::logger> const& log() { return logger_for("signalling"); }

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

std::unique_ptr<federation::trust_list> open_trust_list(config const& cfg) {
    if (cfg.federation_open) return nullptr;
    return std::make_unique<federation::trust_list>(cfg.federation_trusted_keys);
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

waku_backend::waku_backend(config const& cfg, metrics& m, fed::private_key key)
    : cfg_(cfg),
      metrics_(m),
      sealer_(key, cfg.waku_content_topic_prefix),
      trust_(open_trust_list(cfg)),
      gate_(sealer_, trust_.get(), cfg.federation_max_clock_skew.count(), m),
      server_id_(sealer_.own_id()),
      topic_path_(url_encode(cfg.waku_pubsub_topic)),
      presence_topic_(cfg.waku_content_topic_prefix + "/presence/json"),
      signal_topic_(cfg.waku_content_topic_prefix + "/signal/json"),
      max_envelope_(std::min(
          protocol::waku_payload::max_sealed_size,
          cfg.waku_max_message_size > nwaku_message_overhead ? cfg.waku_max_message_size - nwaku_message_overhead : 0)),
      work_(net::make_work_guard(io_)),
      poll_timer_(io_),
      flush_timer_(io_),
      health_timer_(io_),
      shutdown_timer_(io_),
      pacer_(cfg.waku_poll_interval, cfg.waku_fast_poll_interval, cfg.waku_fast_poll_window) {
    auto url = parse_url(cfg.waku_rest_url);
    base_path_ = url.path;
    poller_ = std::make_shared<rest_client>(io_.get_executor(), url.host, url.port);
    publisher_ = std::make_shared<rest_client>(io_.get_executor(), url.host, url.port);
    metrics_.federation_degraded.store(1);
    metrics_.federation_public_key = fed::to_text(sealer_.own_key());
}

waku_backend::~waku_backend() { stop(); }

void waku_backend::start(backend_events& events) {
    events_ = &events;
    log()->info("waku backend: server {} on {} via {} (envelopes up to {} bytes, nwaku --max-msg-size {})", server_id_,
                cfg_.waku_pubsub_topic, cfg_.waku_rest_url, max_envelope_, cfg_.waku_max_message_size);
    log()->info("waku backend: our public key (for the other servers' trust lists): {}",
                fed::to_text(sealer_.own_key()));
    if (trust_) log()->info("waku backend: trusting {} server keys from {}", trust_->size(), trust_->file());
    else
        log()->warn(
            "waku backend: OPEN MODE (--federation-open): envelopes signed by ANY key on the relay are "
            "believed; anyone who can publish on {} can announce peers here and dial ours",
            cfg_.waku_pubsub_topic);
    thread_ = std::thread([this] { io_.run(); });
    net::post(io_, [this] { do_check_version(); });
}

void waku_backend::stop() {
    if (stopping_.exchange(true) || !thread_.joinable()) return;
    net::post(io_, [this] { begin_shutdown(); });
    thread_.join();  // after this, nothing of ours calls into the hub
}

std::optional<std::string> waku_backend::degraded() const {
    {
        std::lock_guard lock(health_mutex_);
        if (link_problem_ || health_problem_) return link_problem_ ? link_problem_ : health_problem_;
    }
    return trust_ ? trust_->problem() : std::nullopt;
}

void waku_backend::reload() {
    if (!trust_) return log()->info("SIGHUP: open mode, no trust list to reload");
    std::vector<std::string> revoked;
    if (auto problem = trust_->reload(&revoked)) return log()->error("SIGHUP: {}", *problem);
    log()->info("SIGHUP: trust list reloaded: {} server keys from {}, {} removed", trust_->size(), trust_->file(),
                revoked.size());
    // On the backend's thread: after whatever the old list let in, the hub forgets their peers.
    if (!revoked.empty())
        net::post(io_, [this, revoked = std::move(revoked)] {
            for (auto const& id : revoked) events_->remote_server_gone(id);
        });
}

void waku_backend::update_degraded() {
    bool bad = link_problem_ || health_problem_;
    metrics_.federation_degraded.store(bad ? 1 : 0);
}

void waku_backend::set_link_problem(std::string reason) {
    inc(metrics_.federation_backend_errors);
    std::lock_guard lock(health_mutex_);
    if (!link_problem_ || *link_problem_ != reason) log()->warn("waku backend degraded: {}", reason);
    link_problem_ = std::move(reason);
    update_degraded();
}

void waku_backend::set_health_problem(std::optional<std::string> reason) {
    std::lock_guard lock(health_mutex_);
    if (reason && (!health_problem_ || *health_problem_ != *reason)) log()->warn("waku backend not ready: {}", *reason);
    if (!reason && health_problem_) log()->info("waku backend: nwaku reports its relay ready");
    health_problem_ = std::move(reason);
    update_degraded();
}

std::chrono::milliseconds waku_backend::next_backoff() {
    backoff_ = std::min(max_backoff, backoff_.count() == 0 ? std::chrono::milliseconds(100) : backoff_ * 2);
    return backoff_;
}

void waku_backend::retry_later(void (waku_backend::*step)(), std::chrono::milliseconds delay) {
    poll_timer_.expires_after(delay);
    poll_timer_.async_wait([this, step](boost::system::error_code ec) {
        if (!ec) (this->*step)();
    });
}

// Says what is wrong for answers that are not about one message; true if it was trouble.
bool waku_backend::relay_trouble(relay_answer answer, std::string_view body, std::string_view what) {
    switch (answer) {
        case relay_answer::ok:
        case relay_answer::message_refused:
            return false;
        case relay_answer::initialising:
            set_link_problem("nwaku is still initialising (" + std::string(body) + ")");
            return true;
        case relay_answer::relay_disabled:
            set_link_problem("nwaku runs without relay: start it with --relay=true (" + std::string(body) + ")");
            backoff_ = max_backoff;
            return true;
        case relay_answer::wrong_base_path:
            set_link_problem("configuration error: nwaku has no REST API under --waku-rest-url " + cfg_.waku_rest_url +
                             " (it answered '" + std::string(body) + "'); nwaku serves it at the root, e.g. " +
                             "http://127.0.0.1:8645");
            backoff_ = max_backoff;  // retried slowly: nothing will change until the operator acts
            return true;
        case relay_answer::not_subscribed:
            set_link_problem("nwaku lost the subscription (restarted?)");
            return true;
        case relay_answer::failed:
            set_link_problem("nwaku answered " + std::string(what) + " with " + std::string(body));
            return true;
    }
    return true;
}

void waku_backend::do_check_version() {
    poller_->request(http::verb::get, base_path_ + "/debug/v1/version", {}, [this](rest_response r) {
        if (r.error) {
            set_link_problem("nwaku unreachable: " + r.error.message());
            return retry_later(&waku_backend::do_check_version, next_backoff());
        }
        if (r.status != 200) {
            auto answer = classify_relay_answer(r.status, r.body);
            if (answer == relay_answer::initialising || answer == relay_answer::wrong_base_path) {
                relay_trouble(answer, r.body, "GET /debug/v1/version");
                return retry_later(&waku_backend::do_check_version, next_backoff());
            }
            log()->warn("waku backend: nwaku does not tell its version (HTTP {}); not sending 'ephemeral'", r.status);
        } else if (auto v = parse_nwaku_version(r.body)) {
            send_ephemeral_ = v->at_least(ephemeral_since_major, ephemeral_since_minor);
            if (!v->at_least(min_nwaku_major, min_nwaku_minor))
                log()->warn(
                    "waku backend: nwaku {} is older than the oldest supported, v{}.{}.0: its /health does "
                    "not report relay readiness, so /readyz cannot tell when it has no relay peers",
                    r.body, min_nwaku_major, min_nwaku_minor);
            else log()->info("waku backend: nwaku {}", r.body);
        } else {
            log()->warn("waku backend: cannot read nwaku's version '{}'; not sending 'ephemeral'", r.body);
        }
        do_subscribe();
        do_check_health();
    });
}

void waku_backend::do_subscribe() {
    std::string body = "[";
    protocol::json::append_quoted(body, cfg_.waku_pubsub_topic);
    body += ']';
    poller_->request(
        http::verb::post, base_path_ + "/relay/v1/subscriptions", body,
        [this](rest_response r) {
            if (r.error || r.status != 200) {
                if (r.error) set_link_problem("nwaku unreachable: " + r.error.message());
                else if (!relay_trouble(classify_relay_answer(r.status, r.body), r.body, "the subscription"))
                    set_link_problem("nwaku refused the subscription: HTTP " + std::to_string(r.status) + " " + r.body);
                subscribed_ = false;
                return retry_later(&waku_backend::do_subscribe, next_backoff());
            }
            subscribed_ = true;
            backoff_ = std::chrono::milliseconds(0);
            {
                std::lock_guard lock(health_mutex_);
                if (link_problem_) log()->info("waku backend: subscribed through nwaku, federation up");
                link_problem_.reset();
                update_degraded();
            }
            schedule_poll(std::chrono::milliseconds(0));
        },
        retry_options);
}

void waku_backend::do_check_health() {
    publisher_->request(
        http::verb::get, base_path_ + "/health", {},
        [this](rest_response r) {
            if (!r.error && r.status == 200 && is_health_report(r.body)) {
                set_health_problem(health_problem(r.body));
            } else if (!r.error && health_is_report_ && r.status != 404 && r.status != 400) {
                health_is_report_ = false;  // older nwaku: text, or 503 "Node is not ready"
                log()->warn(
                    "waku backend: nwaku's /health is not the JSON report of v0.36 (HTTP {} '{}'); readiness "
                    "follows the REST answers alone",
                    r.status, r.body);
            }
            health_timer_.expires_after(health_interval);
            health_timer_.async_wait([this](boost::system::error_code ec) {
                if (!ec) do_check_health();
            });
        },
        retry_options);
}

void waku_backend::schedule_poll(std::chrono::milliseconds delay) {
    poll_timer_.expires_after(delay);
    poll_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) do_poll();
    });
}

// A handshake is likely to cross soon: poll at the fast interval from now on.
void waku_backend::hurry_poll() {
    auto now = poll_pacer::clock::now();
    pacer_.expect_traffic(now);
    if (!subscribed_ || poll_in_flight_ || shutting_down_) return;
    if (poll_timer_.expiry() > now + pacer_.fast()) schedule_poll(pacer_.fast());
}

void waku_backend::do_poll() {
    auto started = std::chrono::steady_clock::now();
    poll_in_flight_ = true;
    inc(metrics_.federation_polls);
    poller_->request(
        http::verb::get, base_path_ + "/relay/v1/messages/" + topic_path_, {},
        [this, started](rest_response r) {
            poll_in_flight_ = false;
            metrics_.federation_poll_latency.observe(std::chrono::steady_clock::now() - started);
            if (r.error || r.status != 200) {
                if (r.error) set_link_problem("nwaku unreachable: " + r.error.message());
                else relay_trouble(classify_relay_answer(r.status, r.body), r.body, "a poll");
                // Unreachable, restarted or initialising: subscribe again once it answers.
                subscribed_ = false;
                return retry_later(&waku_backend::do_subscribe, next_backoff());
            }
            on_messages(r.body);
            schedule_poll(pacer_.next_delay(std::chrono::steady_clock::now()));
        },
        poll_options);
}

void waku_backend::on_messages(std::string const& body) {
    auto messages = nlohmann::json::parse(body, nullptr, false);
    if (!messages.is_array()) {
        metrics_.federation_dropped.inc("bad_message");
        return;
    }
    for (auto const& m : messages) on_message(m);
}

void waku_backend::on_message(nlohmann::json const& m) {
    if (!m.is_object() || !m.contains("payload") || !m["payload"].is_string() || !m.contains("contentTopic") ||
        !m["contentTopic"].is_string())
        return metrics_.federation_dropped.inc("bad_message");
    auto const& topic = m["contentTopic"].get_ref<std::string const&>();
    if (topic != presence_topic_ && topic != signal_topic_) return;  // someone else's traffic
    std::uint64_t version = 0;                                       // nwaku leaves it out when it is 0
    if (auto v = m.find("version"); v != m.end() && v->is_number_unsigned()) version = v->get<std::uint64_t>();
    auto payload = protocol::base64_decode(m["payload"].get_ref<std::string const&>());
    if (!payload) return metrics_.federation_dropped.inc("bad_message");
    auto bytes = std::span(reinterpret_cast<std::uint8_t const*>(payload->data()), payload->size());
    std::optional<std::string> meta;  // a signal's recipient tag: the gate skips others' before decrypting
    if (auto t = m.find("meta"); t != m.end() && t->is_string())
        meta = protocol::base64_decode(t->get_ref<std::string const&>());
    auto tag = meta ? std::span(reinterpret_cast<std::uint8_t const*>(meta->data()), meta->size())
                    : std::span<std::uint8_t const>();
    if (auto e = gate_.admit(bytes, version, topic == signal_topic_, now_ms(), tag)) on_envelope(std::move(*e));
}

void waku_backend::on_envelope(fed::envelope e) {
    inc(metrics_.federation_received);
    switch (e.type) {
        case fed::envelope_type::presence:
            return events_->remote_presence(e.from, std::move(e.peers), presence_change::snapshot);
        case fed::envelope_type::join:
            hurry_poll();  // local peers hear of these newcomers now and may dial them
            return events_->remote_presence(e.from, std::move(e.peers), presence_change::joined);
        case fed::envelope_type::leave:
            return events_->remote_presence(e.from, std::move(e.peers), presence_change::left);
        case fed::envelope_type::signal:
        case fed::envelope_type::unavailable:
            hurry_poll();  // an answer or more candidates follow
            metrics_.federation_signals.inc("received");
            events_->remote_signal({e.from, std::move(e.src), std::move(e.dst), std::move(e.intent), e.answer,
                                    e.type == fed::envelope_type::unavailable, std::move(e.payload)});
            return;
    }
}

}  // namespace star::server::waku
