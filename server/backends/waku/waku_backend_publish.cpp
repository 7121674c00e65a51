// The waku backend's publishing half: presence (joins and leaves coalesced for a moment),
// signals, retries, and the synchronous stop that sends the last leaves.
#include "backends/waku/waku_backend.hpp"

#include "protocol/base64.hpp"
#include "protocol/json_scan.hpp"
#include "random_id.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/verb.hpp>
#include "logger.hpp"

namespace star::server::waku {
namespace net = boost::asio;
namespace http = boost::beast::http;
namespace fed = protocol::federation;

namespace {

constexpr std::chrono::milliseconds flush_delay{50};
constexpr std::size_t max_pending_announcements = 100'000;
// A publish that failed for the transport or a 5xx is sent again, the same bytes: relay
// deduplicates an identical message, and receivers drop a repeated envelope id.
constexpr int max_publish_attempts = 3;
constexpr std::chrono::milliseconds retry_delay{200};
// How long a stopping server waits for its last leaves to be published.
constexpr std::chrono::milliseconds leave_publish_bound{2000};

std::shared_ptr<spdlog::logger> const& log() { return logger_for("signalling"); }

bool is_signal(fed::envelope_type t) { return t == fed::envelope_type::signal || t == fed::envelope_type::unavailable; }

std::int64_t wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::string waku_backend::new_envelope_id() { return random_id().substr(0, 12) + std::to_string(++next_id_); }

void waku_backend::announce(presence_change change, std::vector<std::string> peer_ids) {
    net::post(io_, [this, change, ids = std::move(peer_ids)]() mutable {
        if (shutting_down_ && change != presence_change::left) return;
        if (change == presence_change::snapshot) {
            fed::envelope e;
            e.type = fed::envelope_type::presence;
            e.peers = std::move(ids);
            return publish(std::move(e));
        }
        if (change == presence_change::joined) hurry_poll();  // others may dial our newcomers
        // Joins and leaves are coalesced for a moment: a burst of joins is one envelope.
        for (auto& id : ids) {
            if (pending_.size() >= max_pending_announcements) {
                metrics_.federation_dropped.inc("queue_full");
                break;  // the next presence snapshot repairs what is lost here
            }
            pending_.emplace_back(change, std::move(id));
        }
        if (shutting_down_) return flush_announcements();  // the last leaves go at once
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
        if (shutting_down_) return;
        // A signal must not overtake the join of the peer it speaks for: the other server
        // drops a signal from a peer it has not heard of.
        if (!pending_.empty()) flush_announcements();
        hurry_poll();  // an answer, or more candidates, are on their way back
        fed::envelope e;
        e.type = s.unavailable ? fed::envelope_type::unavailable : fed::envelope_type::signal;
        e.to = s.server;
        e.src = s.src;
        e.dst = s.dst;
        e.intent = s.intent;
        e.answer = s.answer;
        e.payload = s.payload;
        std::optional<remote_signal> offer;
        if (!s.answer && !s.unavailable) offer = std::move(s);
        publish(std::move(e), std::move(offer));
    });
}

void waku_backend::publish(fed::envelope e, std::optional<remote_signal> offer) {
    e.from = server_id_;
    e.id = new_envelope_id();
    e.ts = wall_clock_ms();
    auto out = std::make_shared<outgoing>();
    out->type = e.type;
    out->offer = std::move(offer);
    std::vector<std::uint8_t> sealed;
    try {
        // A signal is encrypted to its destination's key: the trust list's (none: not sent), else the one its id is.
        auto sealed_for = sealer_.seal_for(e, trust_.get());
        if (!sealed_for) {
            metrics_.federation_refused.inc("untrusted_to");
            return give_up(*out, "its destination is not in the trust list");
        }
        sealed = std::move(*sealed_for);
    } catch (std::invalid_argument const& error) {
        metrics_.federation_dropped.inc("other");
        return give_up(*out, error.what());
    }
    if (sealed.size() > max_envelope_) {
        metrics_.federation_dropped.inc("too_large");
        return give_up(*out, "larger than nwaku's --max-msg-size allows");
    }
    if (e.is_signal()) gate_.remember_own_signal(sealed);
    auto const& topic = e.is_signal() ? signal_topic_ : presence_topic_;
    std::string_view text(reinterpret_cast<char const*>(sealed.data()), sealed.size());
    out->body = "{\"payload\":\"" + protocol::base64_encode(text) + "\",\"version\":1,\"contentTopic\":";
    protocol::json::append_quoted(out->body, topic);
    // A signal's recipient tag, for nwaku that knows `meta` (it predates `ephemeral`).
    if (auto meta = e.is_signal() && send_ephemeral_ ? gate_.signal_meta(e.to, sealed) : std::vector<std::uint8_t>();
        !meta.empty())
        out->body +=
            ",\"meta\":\"" + protocol::base64_encode({reinterpret_cast<char const*>(meta.data()), meta.size()}) + "\"";
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
    // The timestamp is fixed here, so a retry is the same Waku message (the same hash).
    out->body += ",\"timestamp\":" + std::to_string(ns.count());
    out->body += send_ephemeral_ ? ",\"ephemeral\":true}" : "}";
    do_publish(std::move(out));
}

void waku_backend::do_publish(std::shared_ptr<outgoing> out) {
    ++out->attempts;
    bool queued =
        publisher_->request(http::verb::post, base_path_ + "/relay/v1/messages/" + topic_path_, out->body,
                            [this, out](rest_response r) { on_published(out, std::move(r)); }, {true, 1024 * 1024});
    if (!queued) {
        metrics_.federation_dropped.inc("queue_full");
        give_up(*out, "the publish queue is full");
    }
}

void waku_backend::on_published(std::shared_ptr<outgoing> out, rest_response r) {
    auto answer = r.error ? relay_answer::failed : classify_relay_answer(r.status, r.body);
    if (answer == relay_answer::ok) {
        inc(metrics_.federation_published);
        if (is_signal(out->type)) metrics_.federation_signals.inc("published");
    } else if (answer == relay_answer::message_refused) {
        // About this message alone (too large, RLN limit, a field this nwaku does not know):
        // counted, not a reason to call the whole backend degraded.
        metrics_.federation_dropped.inc("refused_by_nwaku");
        log()->warn("waku backend: nwaku refused a message: HTTP {} {}", r.status, r.body);
        give_up(*out, "refused by nwaku");
    } else {
        if (r.error) set_link_problem("nwaku unreachable: " + r.error.message());
        else relay_trouble(answer, r.body, "a publish");
        if (answer == relay_answer::not_subscribed) subscribed_ = false;
        if (out->attempts < max_publish_attempts && !stopping_.load()) {
            auto timer = std::make_shared<net::steady_timer>(io_, retry_delay);
            timer->async_wait([this, out, timer](boost::system::error_code ec) {
                if (!ec) do_publish(out);
            });
            return;
        }
        metrics_.federation_dropped.inc("publish_failed");
        give_up(*out, "nwaku did not take it");
    }
    if (shutting_down_) maybe_finish_shutdown();
}

// An offer that cannot go out is answered here, as the other server would have: its dialer
// gets "peer is not available" at once rather than silence.
void waku_backend::give_up(outgoing& out, std::string_view reason) {
    if (!is_signal(out.type)) return;
    metrics_.federation_signals.inc("given_up");
    log()->debug("waku backend: gave up a signal: {}", reason);
    if (!out.offer || shutting_down_) return;
    out.offer->unavailable = true;
    events_->remote_signal(std::move(*out.offer));
    out.offer.reset();
}

void waku_backend::begin_shutdown() {
    shutting_down_ = true;
    poll_timer_.cancel();
    health_timer_.cancel();
    poller_->close();  // no poll answer reaches the hub from now on
    flush_timer_.cancel();
    flush_announcements();  // the leaves of every peer that went
    shutdown_timer_.expires_after(leave_publish_bound);
    shutdown_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        log()->warn("waku backend: stopping without confirmation that our leaves were published");
        finish_shutdown();
    });
    maybe_finish_shutdown();
}

void waku_backend::maybe_finish_shutdown() {
    if (publisher_->queued() == 0) finish_shutdown();
}

void waku_backend::finish_shutdown() {
    publisher_->close();
    work_.reset();
    io_.stop();  // handlers still queued (retries, timers) are dropped, never run
}

}  // namespace star::server::waku
