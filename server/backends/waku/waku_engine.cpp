#include "backends/waku/waku_engine.hpp"

#include "backends/shell/federation_shell.hpp"
#include "logger.hpp"
#include "protocol/json_scan.hpp"

#include <boost/beast/http/verb.hpp>

namespace star::server::waku {
namespace http = boost::beast::http;
namespace fed = protocol::federation;

namespace {

// How often nwaku's /health is read: how soon /readyz notices a node cut off from its relay.
constexpr std::chrono::milliseconds health_interval{5000};
constexpr rest_client::options retry_options{true, 1024 * 1024};
// A poll answer is read whatever its size: nwaku cleared those messages when it sent them.
constexpr rest_client::options poll_options{false, std::nullopt};

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

}  // namespace

std::unique_ptr<backend> make_waku_backend(config const& cfg, metrics& m, fed::private_key key) {
    return std::make_unique<shell::federation_shell>(
        m, [&](shell::engine_context ctx) { return std::make_unique<waku_engine>(ctx, cfg, m, key); });
}

waku_engine::waku_engine(shell::engine_context ctx, config const& cfg, metrics& m, fed::private_key key)
    : events_(ctx.events),
      cfg_(cfg),
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
      poll_timer_(ctx.io),
      health_timer_(ctx.io),
      pacer_(cfg.waku_poll_interval, cfg.waku_fast_poll_interval, cfg.waku_fast_poll_window) {
    auto url = parse_url(cfg.waku_rest_url);
    base_path_ = url.path;
    poller_ = std::make_shared<rest_client>(ctx.io.get_executor(), url.host, url.port);
    publisher_ = std::make_shared<rest_client>(ctx.io.get_executor(), url.host, url.port);
    metrics_.federation_public_key = fed::to_text(sealer_.own_key());
}

void waku_engine::log_start() const {
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
}

std::optional<std::string> waku_engine::problem() const { return trust_ ? trust_->problem() : std::nullopt; }

std::vector<std::string> waku_engine::reload() {
    std::vector<std::string> revoked;
    if (!trust_) {
        log()->info("SIGHUP: open mode, no trust list to reload");
    } else if (auto problem = trust_->reload(&revoked)) {
        log()->error("SIGHUP: {}", *problem);
    } else {
        log()->info("SIGHUP: trust list reloaded: {} server keys from {}, {} removed", trust_->size(), trust_->file(),
                    revoked.size());
    }
    return revoked;
}

// Tells the shell the link is lost, saying why from an answer that is not about one message.
void waku_engine::lost(relay_answer answer, std::string_view body, std::string_view what) {
    auto said = std::string(body);
    switch (answer) {
        case relay_answer::initialising:
            return events_.link_lost("nwaku is still initialising (" + said + ")");
        case relay_answer::relay_disabled:
            return events_.link_lost("nwaku runs without relay: start it with --relay=true (" + said + ")",
                                     shell::reconnect_pace::slowest);
        case relay_answer::wrong_base_path:
            // Retried slowly: nothing will change until the operator acts.
            return events_.link_lost("configuration error: nwaku has no REST API under --waku-rest-url " +
                                         cfg_.waku_rest_url + " (it answered '" + said +
                                         "'); nwaku serves it at the root, e.g. http://127.0.0.1:8645",
                                     shell::reconnect_pace::slowest);
        case relay_answer::not_subscribed:
            return events_.link_lost("nwaku lost the subscription (restarted?)");
        case relay_answer::ok:
        case relay_answer::message_refused:
        case relay_answer::failed:
            return events_.link_lost("nwaku answered " + std::string(what) + " with " + said);
    }
}

void waku_engine::connect() { do_check_version(); }

void waku_engine::do_check_version() {
    poller_->request(http::verb::get, base_path_ + "/debug/v1/version", {}, [this](rest_response r) {
        if (r.error) return events_.link_lost("nwaku unreachable: " + r.error.message());
        if (r.status != 200) {
            auto answer = classify_relay_answer(r.status, r.body);
            if (answer == relay_answer::initialising || answer == relay_answer::wrong_base_path)
                return lost(answer, r.body, "GET /debug/v1/version");
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
        if (!std::exchange(health_checked_, true)) do_check_health();
    });
}

void waku_engine::do_subscribe() {
    std::string body = "[";
    protocol::json::append_quoted(body, cfg_.waku_pubsub_topic);
    body += ']';
    poller_->request(
        http::verb::post, base_path_ + "/relay/v1/subscriptions", body,
        [this](rest_response r) {
            if (r.error) return events_.link_lost("nwaku unreachable: " + r.error.message());
            if (r.status != 200) {
                auto answer = classify_relay_answer(r.status, r.body);
                if (answer == relay_answer::message_refused || answer == relay_answer::ok)
                    return events_.link_lost("nwaku refused the subscription: HTTP " + std::to_string(r.status) + " " +
                                             r.body);
                return lost(answer, r.body, "the subscription");
            }
            bool was_subscribed = std::exchange(subscribed_, true);
            events_.link_up("subscribed through nwaku");
            if (!was_subscribed && !poll_in_flight_) schedule_poll(std::chrono::milliseconds(0));
        },
        retry_options);
}

void waku_engine::do_check_health() {
    publisher_->request(
        http::verb::get, base_path_ + "/health", {},
        [this](rest_response r) {
            if (!r.error && r.status == 200 && is_health_report(r.body)) {
                events_.relay_problem(health_problem(r.body));
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

void waku_engine::schedule_poll(std::chrono::milliseconds delay) {
    poll_timer_.expires_after(delay);
    poll_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) do_poll();
    });
}

// A handshake is likely to cross soon: poll at the fast interval from now on.
void waku_engine::traffic_likely() {
    auto now = poll_pacer::clock::now();
    pacer_.expect_traffic(now);
    if (!subscribed_ || poll_in_flight_ || !receiving_) return;
    if (poll_timer_.expiry() > now + pacer_.fast()) schedule_poll(pacer_.fast());
}

void waku_engine::do_poll() {
    auto started = std::chrono::steady_clock::now();
    poll_in_flight_ = true;
    inc(metrics_.federation_polls);
    poller_->request(
        http::verb::get, base_path_ + "/relay/v1/messages/" + topic_path_, {},
        [this, started](rest_response r) {
            poll_in_flight_ = false;
            metrics_.federation_poll_latency.observe(std::chrono::steady_clock::now() - started);
            if (r.error || r.status != 200) {
                // Unreachable, restarted or initialising: the shell reconnects (subscribes again).
                subscribed_ = false;
                if (r.error) return events_.link_lost("nwaku unreachable: " + r.error.message());
                return lost(classify_relay_answer(r.status, r.body), r.body, "a poll");
            }
            on_messages(r.body);
            schedule_poll(pacer_.next_delay(std::chrono::steady_clock::now()));
        },
        poll_options);
}

// Shutdown, step 1: no poll answer reaches the shell from now on.
void waku_engine::stop_receiving() {
    receiving_ = false;
    subscribed_ = false;
    poll_timer_.cancel();
    health_timer_.cancel();
    poller_->close();
}

void waku_engine::close() {
    stop_receiving();
    publisher_->close();
}

}  // namespace star::server::waku
