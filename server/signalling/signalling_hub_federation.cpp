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

// The envelope's routing fields must be the payload's own: a client must never be shown a
// handshake that was checked and routed as another.
bool agrees(protocol::handshake const& h, server::remote_signal const& s) {
    return h.src_key == s.src && h.dst_key == s.dst && h.intent_id == s.intent && h.answer == s.answer;
}

}  // namespace

void signalling_hub::start() {
    backend_.start(*this);  // not under the lock: it writes log lines and starts the backend's thread
    if (!backend_.federated()) return;
    on_hub_thread([this] {
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

// A revoked key: its peers go at once rather than after their TTL, so that no offer to them is
// forwarded (and sealed to that key) from now on.
void signalling_hub::remote_server_gone(std::string server) {
    locked([&] {
        auto gone = remote_.erase_server(server);
        metrics_.remote_peers.store(static_cast<std::int64_t>(remote_.size()), std::memory_order_relaxed);
        log_.later(log_.refusals, spdlog::level::info, "server {} is no longer trusted: forgot its {} peers", server,
                   gone);
    });
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
        auto added = remote_.upsert(key, server, expires);
        if (auto refusal = refusal_label(added); !refusal.empty()) metrics_.federation_refused.inc(refusal);
        // A peer new to us is told to local peers in the next newcomer batch, as a local join is.
        if (added == remote_peers::upsert_result::added) announcer_.add_remote_newcomer(key);
    }
    metrics_.remote_peers.store(static_cast<std::int64_t>(remote_.size()), std::memory_order_relaxed);
}

// Before any client sees a handshake from another server, it passes what a local ss-handshake
// passes (protocol::parse_handshake: object `signal`, addresses, intent, the message size),
// and the server sending it must hold the peer it speaks for. Then it takes the local path.
void signalling_hub::on_remote_signal(server::remote_signal& s) {
    auto parsed = protocol::parse_handshake_text(s.payload, cfg_.max_message_size);
    std::string_view invalid = !parsed.value ? parsed.error : !agrees(*parsed.value, s) ? "remote_mismatch" : "";
    if (!invalid.empty()) {
        log_.later_with(log_.refusals, spdlog::level::info,
                        {{log_key::server, s.server}, {log_key::reason, std::string(invalid)}},
                        "handshake from server {} dropped: {}", s.server, invalid);
        if (s.unavailable) return metrics_.dropped.inc(invalid);  // not a dial: a reply to one of ours
        return handshake_router::count_invalid(metrics_, invalid);
    }
    routed_handshake h = route_of(std::move(*parsed.value), std::chrono::steady_clock::now());
    if (s.unavailable) return router_.on_unavailable(s.server, h);
    if (!speaks_for(s.server, s)) return router_.drop_unsent("remote_spoofed");
    router_.route({nullptr, &s.server}, h);
}

// Whether `server` holds the peer the handshake comes from: the offer's src, the answer's dst.
bool signalling_hub::speaks_for(std::string const& server, server::remote_signal const& s) {
    std::string const& speaker = s.answer ? s.dst : s.src;
    if (!remote_.find(speaker) && !s.answer && !table_.find(speaker)) {
        // An offer from a peer whose join has not reached us yet: the server vouches for it
        // as its join would (with the same trust), so it counts as that join; dropping it
        // would leave its dialer waiting for an answer that cannot come back.
        on_remote_presence(server, {speaker}, presence_change::joined);
    }
    auto const* held = remote_.find(speaker);
    return held && held->server == server;
}

void signalling_hub::publish_presence() {
    // A full snapshot: it refreshes our peers' TTL on every other server (the backend sends it in
    // envelopes of a size it knows).
    if (stopped_) return;  // our leaves went out: no snapshot may bring the peers back
    std::vector<std::string> peers;
    peers.reserve(table_.size());
    for (std::size_t i = 0; i < table_.size(); ++i) peers.push_back(table_.at(i).address.key);
    backend_.announce(presence_change::snapshot, std::move(peers));
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
