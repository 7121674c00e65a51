// The shell's publishing half: presence (coalesced, chunked, re-announced), signals behind the
// joins they depend on, the retry policy, the bounds on what waits for the relay, and the answers
// given for offers that cannot go.
#include "backends/shell/federation_shell.hpp"

#include "clock.hpp"
#include "logger.hpp"
#include "random_id.hpp"

#include <boost/asio/post.hpp>

namespace star::server::shell {
namespace net = boost::asio;
namespace fed = protocol::federation;

namespace {

std::shared_ptr<spdlog::logger> const& log() { return logger_for("signalling"); }

bool is_signal(fed::envelope_type t) { return t == fed::envelope_type::signal || t == fed::envelope_type::unavailable; }

}  // namespace

void federation_shell::announce(presence_change change, std::vector<std::string> peer_ids) {
    net::post(io_, [this, change, ids = std::move(peer_ids)]() mutable {
        if (shutting_down_ && change != presence_change::left) return;
        remember_own(change, ids);
        if (change == presence_change::snapshot) {
            if (up_) publish_snapshot(std::move(ids));  // else own_peers_ goes out whole once the relay is back
            return;
        }
        if (change == presence_change::joined) engine_->traffic_likely();  // others may dial our newcomers
        queue_presence(change, std::move(ids));
    });
}

void federation_shell::remember_own(presence_change change, std::vector<std::string> const& ids) {
    for (auto const& id : ids) {
        if (change == presence_change::left) own_peers_.erase(id);
        else own_peers_.insert(id);
    }
}

void federation_shell::queue_presence(presence_change change, std::vector<std::string> ids) {
    for (auto& id : ids) {
        // While the relay is away a join needs no queueing: the re-announce once it is back has it.
        if (!up_ && change == presence_change::joined) continue;
        if (!pending_.add(change, std::move(id))) {
            metrics_.federation_dropped.inc("queue_full");
            break;
        }
    }
    if (shutting_down_) return flush_presence();  // the last leaves go at once
    if (!up_ || flush_armed_ || pending_.empty()) return;
    flush_armed_ = true;
    flush_timer_.expires_after(timing_.presence_window);
    flush_timer_.async_wait([this](boost::system::error_code ec) {
        flush_armed_ = false;
        if (!ec) flush_presence();
    });
}

void federation_shell::flush_presence() {
    if (!up_) return;  // kept until the relay is back
    for (auto& e : pending_.take()) publish(std::move(e));
}

void federation_shell::publish_snapshot(std::vector<std::string> ids) {
    for (auto& e : snapshot_envelopes(std::move(ids))) publish(std::move(e));
}

void federation_shell::send(remote_signal s) {
    net::post(io_, [this, s = std::move(s)]() mutable {
        if (shutting_down_) return;
        send_signal(std::move(s));
    });
}

void federation_shell::send_signal(remote_signal s) {
    // A signal must not overtake the join of the peer it speaks for: the other server would take
    // the offer as that join, or drop an answer from a peer it has not heard of. Every engine sends
    // in order what it is given in order.
    flush_presence();
    engine_->traffic_likely();  // an answer, or more candidates, are on their way back
    auto type = s.unavailable ? fed::envelope_type::unavailable : fed::envelope_type::signal;
    std::optional<remote_signal> offer;
    if (!s.answer && !s.unavailable) offer = s;
    if (!up_) return give_up(type, offer, "the relay is unreachable");
    fed::envelope e;
    e.type = type;
    e.to = std::move(s.server);
    e.src = std::move(s.src);
    e.dst = std::move(s.dst);
    e.intent = std::move(s.intent);
    e.answer = s.answer;
    e.payload = std::move(s.payload);
    publish(std::move(e), std::move(offer));
}

void federation_shell::publish(fed::envelope e, std::optional<remote_signal> offer) {
    e.from = server_id_;
    e.id = random_id().substr(0, 12) + std::to_string(++next_id_);
    e.ts = now_ms();
    auto wire = engine_->encode(e);
    if (!wire.refused.empty()) {
        metrics_.federation_dropped.inc(wire.refused);
        return give_up(e.type, offer, wire.refused);
    }
    if (in_flight_ >= max_publishes_in_flight || bytes_in_flight_ + wire.bytes.size() > max_bytes_in_flight) {
        metrics_.federation_dropped.inc("queue_full");
        return give_up(e.type, offer, "too much is waiting for the relay");
    }
    auto p = std::make_shared<publication>();
    p->wire = std::move(wire);
    p->type = e.type;
    p->offer = std::move(offer);
    ++in_flight_;
    bytes_in_flight_ += p->wire.bytes.size();
    transmit(std::move(p));
}

void federation_shell::transmit(publication_ptr p) {
    ++p->attempts;
    p->sent = std::chrono::steady_clock::now();
    auto const& wire = p->wire;
    engine_->transmit(wire, [this, p = std::move(p)](publish_result r) { on_result(p, r); });
}

void federation_shell::on_result(publication_ptr p, publish_result r) {
    switch (r.outcome) {
        case publish_outcome::delivered:
        case publish_outcome::no_receiver:
            metrics_.federation_publish_latency.observe(std::chrono::steady_clock::now() - p->sent);
            inc(metrics_.federation_published);
            if (is_signal(p->type)) metrics_.federation_signals.inc("published");
            // Nobody subscribes to that server's channel: it is gone, and its peer with it.
            if (r.outcome == publish_outcome::no_receiver)
                give_up(p->type, p->offer, "the server holding the peer is gone");
            break;
        case publish_outcome::refused:
            metrics_.federation_dropped.inc(r.dropped.empty() ? "other" : r.dropped);
            give_up(p->type, p->offer, "the relay refused it");
            break;
        case publish_outcome::not_sent:
        case publish_outcome::unknown:
            inc(metrics_.federation_backend_errors);
            if (up_ && !finished_ && worth_retrying(r.outcome, p->attempts, engine_->repeats_are_harmless()))
                return retry_later(std::move(p));
            metrics_.federation_dropped.inc("publish_failed");
            give_up(p->type, p->offer, "the relay did not take it");
            break;
    }
    done_with(*p);
}

void federation_shell::retry_later(publication_ptr p) {
    auto timer = std::make_shared<net::steady_timer>(io_, timing_.retry_delay);
    timer->async_wait([this, p = std::move(p), timer](boost::system::error_code) mutable {
        if (up_) return transmit(std::move(p));
        // The link went meanwhile: a signal is answered now rather than late; presence is repaired
        // by the re-announce once the relay is back.
        metrics_.federation_dropped.inc("publish_failed");
        give_up(p->type, p->offer, "the relay is unreachable");
        done_with(*p);
    });
}

void federation_shell::done_with(publication const& p) {
    --in_flight_;
    bytes_in_flight_ -= p.wire.bytes.size();
    if (shutting_down_) maybe_finish_shutdown();
}

// An offer that cannot reach the server holding its peer is answered here, as that server would
// have: its dialer gets "peer is not available" at once rather than silence.
void federation_shell::give_up(fed::envelope_type type, std::optional<remote_signal>& offer, std::string_view reason) {
    if (!is_signal(type)) return;
    metrics_.federation_signals.inc("given_up");
    log()->debug("{} backend: gave up a signal: {}", engine_->name(), reason);
    if (!offer || shutting_down_) return;
    offer->unavailable = true;
    events_->remote_signal(std::move(*offer));
    offer.reset();
}

}  // namespace star::server::shell
