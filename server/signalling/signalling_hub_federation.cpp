// The hub's federated half: peers on other servers, as the backend reports them, and
// handshakes that cross servers. The same ownership and anti-spoofing rules hold as locally:
// a server speaks only for the peers its presence announced, an offer only for its sender,
// and an answer only for an offer this server relayed.
#include "signalling/signalling_hub.hpp"

#include "protocol/client_event.hpp"

#include <boost/asio/post.hpp>
#include "logger.hpp"

namespace star::server {
namespace net = boost::asio;

namespace {

std::shared_ptr<spdlog::logger> const& log() { return logger_for("signalling"); }

}  // namespace

void signalling_hub::start() {
    on_hub_thread([this] {
        backend_.start(*this);
        if (!backend_.federated()) return;
        schedule_presence();
        schedule_expiry();
    });
}

// Synchronous, on the stopping thread (never the hub's own): after it returns, the backend
// makes no more calls into the hub. The leave of every peer still here goes out first, so
// other servers forget them at once instead of after their TTL; presence stops with it.
void signalling_hub::stop() {
    std::vector<std::string> still_here;
    {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        stopped_ = true;
        for (std::size_t i = 0; i < table_.size(); ++i) still_here.push_back(table_.at(i).address.key);
    }
    if (backend_.federated() && !still_here.empty()) backend_.announce(presence_change::left, std::move(still_here));
    backend_.stop();
    on_hub_thread([this] {
        refreshes_.reset({});
        refresh_timer_.cancel();
        newcomer_timer_.cancel();
        presence_timer_.cancel();
        expiry_timer_.cancel();
    });
}

void signalling_hub::remote_presence(std::string server, std::vector<std::string> peer_ids, presence_change change) {
    locked([&] { on_remote_presence(server, peer_ids, change); });
}

void signalling_hub::remote_signal(server::remote_signal signal) {
    locked([&] { on_remote_signal(signal); });
}

void signalling_hub::on_remote_presence(std::string const& server, std::vector<std::string> const& ids,
                                        presence_change change) {
    auto expires = remote_peers::clock::now() + cfg_.federation_peer_ttl;
    for (auto const& key : ids) {
        if (change == presence_change::left) {
            remote_.erase(key, server);
            continue;
        }
        if (table_.find(key)) continue;  // held here by a live connection: ours wins
        if (!remote_.upsert(key, server, expires)) continue;
        // A peer new to us: tell up to K local peers at once, as for a local join.
        std::size_t n = table_.size();
        if (n == 0) continue;
        std::uniform_int_distribution<std::size_t> pick(0, n - 1);
        std::size_t start = pick(rng_);
        for (std::size_t i = 0; i < std::min(n, cfg_.max_peers_per_announce); ++i)
            announce(table_.at((start + i) % n), key);
    }
    metrics_.remote_peers.store(static_cast<std::int64_t>(remote_.size()), std::memory_order_relaxed);
}

bool signalling_hub::forward_to_remote(peer& sender, routed_handshake& h) {
    // Offers go to dst's server; answers go back to src's server, which checks the intent.
    std::string const& target = h.answer ? h.src_key : h.dst_key;
    auto const* remote = remote_.find(target);
    if (!remote) return false;
    if (!h.answer) sender.intents.record(h.intent_id, h.dst_key, std::chrono::steady_clock::now());
    else inc(metrics_.dials_success);
    backend_.send({remote->server, h.src_key, h.dst_key, h.intent_id, h.answer, false,
                   std::string(protocol::ws_handshake_payload(*h.forward))});
    return true;
}

void signalling_hub::on_remote_signal(server::remote_signal& s) {
    auto now = std::chrono::steady_clock::now();
    if (s.unavailable) {
        // Our offer's recipient is gone from the server we sent it to: tell our dialer.
        peer* src = table_.find(s.src);
        if (!src || !src->intents.matches(s.intent, s.dst, now)) {
            metrics_.dropped.inc("remote_unknown_intent");
            return;
        }
        inc(metrics_.dials_failure);
        outbox_.send(src->link, make_frame(protocol::ws_handshake_error_frame(s.payload, "peer is not available")));
        return;
    }
    // The sending server must be the one whose presence announced the peer it speaks for.
    std::string const& speaker = s.answer ? s.dst : s.src;
    auto const* held = remote_.find(speaker);
    if (!held && !s.answer && !table_.find(s.src)) {
        // An offer from a peer whose join has not reached us yet: the server vouches for it
        // as its join would (with the same trust), so it counts as that join; dropping it
        // would leave its dialer waiting for an answer that cannot come back.
        on_remote_presence(s.server, {s.src}, presence_change::joined);
        held = remote_.find(speaker);
    }
    if (!held || held->server != s.server) {
        metrics_.dropped.inc("remote_spoofed");
        return;
    }
    frame_ptr frame = make_frame(protocol::ws_handshake_frame(s.payload));
    if (!s.answer) {
        peer* dst = table_.find(s.dst);
        if (!dst) {
            s.unavailable = true;
            backend_.send(std::move(s));  // "server" is still the sender's: it goes back there
            return;
        }
        log()->trace("remote offer {} -> {}", s.src, s.dst);
        outbox_.send(dst->link, std::move(frame));
        return;
    }
    peer* src = table_.find(s.src);
    if (!src) {
        metrics_.dropped.inc("peer_gone");
        return;
    }
    if (!src->intents.matches(s.intent, s.dst, now)) {
        metrics_.dropped.inc("unknown_intent");
        return;
    }
    inc(metrics_.dials_success);
    outbox_.send(src->link, std::move(frame));
}

void signalling_hub::publish_presence() {
    // A full snapshot, in chunks: it refreshes our peers' TTL on every other server.
    if (stopped_) return;  // our leaves went out: no snapshot may bring the peers back
    std::vector<std::string> chunk;
    for (std::size_t i = 0; i < table_.size(); ++i) {
        chunk.push_back(table_.at(i).address.key);
        if (chunk.size() == 500) backend_.announce(presence_change::snapshot, std::exchange(chunk, {}));
    }
    if (!chunk.empty() || table_.size() == 0) backend_.announce(presence_change::snapshot, std::move(chunk));
}

void signalling_hub::schedule_presence() {
    publish_presence();
    presence_timer_.expires_after(cfg_.federation_presence_interval);
    presence_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) locked([this] { schedule_presence(); });
    });
}

void signalling_hub::schedule_expiry() {
    expiry_timer_.expires_after(std::chrono::seconds(1));
    expiry_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        locked([this] {
            remote_.expire(remote_peers::clock::now());
            metrics_.remote_peers.store(static_cast<std::int64_t>(remote_.size()), std::memory_order_relaxed);
            schedule_expiry();
        });
    });
}

}  // namespace star::server
