#include "signalling/signalling_hub.hpp"

#include "protocol/client_event.hpp"
#include "protocol/socketio.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include "logger.hpp"
#include "wake_grid.hpp"

namespace star::server {
namespace net = boost::asio;

signalling_hub::signalling_hub(net::any_io_executor executor, config const& cfg, metrics& m, backend& b)
    : executor_(std::move(executor)),
      cfg_(cfg),
      metrics_(m),
      backend_(b),
      refresh_timer_(executor_),
      newcomer_timer_(executor_),
      remote_(cfg.max_remote_peers, cfg.federation_max_peers_per_server),
      presence_timer_(executor_),
      expiry_timer_(executor_),
      log_(logger_for("signalling"), m),
      announcer_(cfg, table_, remote_, outbox_, rng_, [this] { schedule_newcomers(); }),
      router_(m, table_, remote_, outbox_, b, log_) {}

void signalling_hub::join(link_ptr from, protocol::star_address address, std::optional<std::uint64_t> ack_id) {
    locked([&] { on_join(from, std::move(address), ack_id); }, hold_histogram::join);
}

void signalling_hub::leave(link_ptr from) {
    locked(
        [&] {
            peer* p = table_.find_by_link(from->id());
            if (!p) {
                metrics_.dropped.inc("leave_not_joined");
                return;
            }
            remove_peer(p->address.key);
        },
        hold_histogram::leave);
}

void signalling_hub::disconnected(link_ptr from) {
    locked([&] { on_disconnected(from); }, hold_histogram::disconnect);
}

void signalling_hub::handshake(link_ptr from, routed_handshake h) {
    locked([&] { on_handshake(from, h); }, hold_histogram::handshake);
}

void signalling_hub::on_hub_thread(std::function<void()> f) {
    net::post(executor_, [this, f = std::move(f)] { locked(f); });
}

void signalling_hub::on_join(link_ptr const& from, protocol::star_address address,
                             std::optional<std::uint64_t> ack_id) {
    inc(metrics_.joins_total);
    if (auto const* remote = remote_.find(address.key)) {
        refuse_join(from, ack_id, "peer_id_taken",
                    "peer id " + address.peer_id + " is already joined on server " + remote->server);
        return;
    }
    peer* holder = table_.find(address.key);
    if (holder && holder->link->id() != from->id()) {
        if (claims_.count(address.key)) {
            refuse_join(from, ack_id, "claim_pending",
                        "peer id " + address.peer_id + " is being claimed by another connection");
            return;
        }
        // Someone else holds this id. Ask the holder to prove it is alive before deciding.
        std::string key = address.key;
        std::uint64_t holder_id = holder->link->id();
        claims_.emplace(key, pending_claim{from, std::move(address), ack_id, holder_id});
        holder->link->probe([this, key, holder_id](bool alive) {
            on_hub_thread([this, key, holder_id, alive] { on_probe_result(key, holder_id, alive); });
        });
        return;
    }
    if (holder) {
        // The same connection joins again under the same id, perhaps through another prefix.
        remove_peer(address.key);
    } else if (peer* mine = table_.find_by_link(from->id())) {
        remove_peer(mine->address.key);  // one connection, one address: the new one replaces it
    }
    register_peer(from, std::move(address), ack_id);
}

void signalling_hub::on_probe_result(std::string const& key, std::uint64_t holder_id, bool alive) {
    auto node = claims_.extract(key);
    if (node.empty()) return;  // the claimant went away meanwhile
    pending_claim claim = std::move(node.mapped());
    peer* holder = table_.find(key);
    if (!alive) {
        // The holder was silent: no pong, nothing received, no backlog drained. It may already
        // be gone from the table (its connection was closed as it failed the probe).
        inc(metrics_.takeovers);
        log_.later_with(log_.takeovers, spdlog::level::info,
                        {{log_key::peer, claim.address.peer_id},
                         {log_key::connection, std::to_string(claim.claimant->id())},
                         {log_key::reason, "takeover"}},
                        "peer {} was silent: connection {} takes it over from {}", claim.address.peer_id,
                        claim.claimant->id(), holder_id);
    }
    if (holder && holder->link->id() == holder_id) {
        if (alive) {
            refuse_join(claim.claimant, claim.ack_id, "peer_id_taken",
                        "peer id " + claim.address.peer_id + " is already joined by another live connection");
            return;
        }
        holder->link->drop("its peer id was taken over");
        remove_peer(key);
    } else if (holder) {
        refuse_join(claim.claimant, claim.ack_id, "peer_id_taken",
                    "peer id " + claim.address.peer_id + " is already joined by another live connection");
        return;
    }
    if (peer* mine = table_.find_by_link(claim.claimant->id())) remove_peer(mine->address.key);
    register_peer(claim.claimant, std::move(claim.address), claim.ack_id);
}

void signalling_hub::on_disconnected(link_ptr const& from) {
    if (peer* p = table_.find_by_link(from->id())) remove_peer(p->address.key);
    for (auto it = claims_.begin(); it != claims_.end();) {
        if (it->second.claimant->id() == from->id()) it = claims_.erase(it);
        else ++it;
    }
}

void signalling_hub::register_peer(link_ptr const& from, protocol::star_address address,
                                   std::optional<std::uint64_t> ack_id) {
    log_.later(log_.debug, spdlog::level::debug, "join {} as {}", from->id(), address.text);
    peer& p = table_.insert(from, std::move(address));
    p.received.reset(cfg_.max_received_per_second);
    inc(metrics_.joins_success);
    metrics_.peers.store(static_cast<std::int64_t>(table_.size()), std::memory_order_relaxed);
    if (ack_id) outbox_.send(from, make_frame(protocol::socketio::ack_frame(*ack_id, "[null]")));
    if (backend_.federated()) backend_.announce(presence_change::joined, {p.address.key});
    announcer_.add_newcomer(p);
    schedule_refresh(p, std::chrono::steady_clock::now(), true);
}

void signalling_hub::schedule_newcomers() {
    if (cfg_.join_announce_delay.count() == 0) {
        on_hub_thread([this] { send_newcomers(); });  // after the joins already queued
        return;
    }
    on_hub_thread([this] {
        newcomer_timer_.expires_after(cfg_.join_announce_delay);
        newcomer_timer_.async_wait([this](boost::system::error_code ec) {
            if (!ec) locked([this] { send_newcomers(); });
        });
    });
}

// One chunk per lock hold: the I/O threads get the lock between chunks of a large batch.
void signalling_hub::send_newcomers() {
    if (announcer_.send_newcomers()) on_hub_thread([this] { send_newcomers(); });
}

void signalling_hub::schedule_refresh(peer& p, steady_time now, bool first) {
    // Peers that joined together must not refresh together: a burst of 20,000 joins would come
    // back as a burst of a million frames every interval. The first refresh is spread over a
    // whole interval, the later ones drift by up to 10 %; none comes sooner than 0.9 of an
    // interval after the one before (or the join), so a peer gets at most K per interval.
    std::uniform_real_distribution<double> jitter(0.9, first ? 1.9 : 1.1);
    auto interval = std::chrono::duration<double, std::milli>(cfg_.peer_refresh_interval) * jitter(rng_);
    p.next_refresh = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval);
    refreshes_.add(p.next_refresh, p.link->id());
    arm_refresh_timer();
}

void signalling_hub::arm_refresh_timer() {
    if (refresh_armed_ || refreshes_.empty()) return;
    refresh_armed_ = true;
    on_hub_thread([this] {
        if (refreshes_.empty()) {
            refresh_armed_ = false;
            return;
        }
        // One wake-up per tick at most, however many peers fall due in it; ticks short enough
        // that a tick's refreshes are a small burst (at 20,000 peers, 40 peers' 50 frames).
        auto tick = std::clamp<std::chrono::steady_clock::duration>(
            cfg_.peer_refresh_interval / 500, std::chrono::milliseconds(5), std::chrono::milliseconds(20));
        // On the wake grid: the I/O threads that the tick's frames go to are awake then anyway.
        refresh_timer_.expires_at(on_wake_grid(std::max(refreshes_.next(), last_refresh_tick_ + tick)));
        refresh_timer_.async_wait([this](boost::system::error_code ec) {
            locked([&] {
                refresh_armed_ = false;
                if (!ec) on_refresh_tick();
            });
        });
    });
}

void signalling_hub::on_refresh_tick() {
    auto now = std::chrono::steady_clock::now();
    last_refresh_tick_ = now;
    refreshes_.take_due(now, [&](refresh_schedule::entry const& e) {
        peer* p = table_.find_by_link(e.link_id);
        if (!p || p->next_refresh != e.at) return;  // left, or joined again since
        announcer_.send_next_peers(*p);
        schedule_refresh(*p, now);
    });
    if (refreshes_.size() > 2 * table_.size() + 1024) {
        // Joins and leaves left stale entries behind: keep one per joined peer.
        std::vector<refresh_schedule::entry> live;
        live.reserve(table_.size());
        for (std::size_t i = 0; i < table_.size(); ++i)
            live.push_back({table_.at(i).next_refresh, table_.at(i).link->id()});
        refreshes_.reset(std::move(live));
    }
    arm_refresh_timer();
}

void signalling_hub::remove_peer(std::string const& key) {
    if (backend_.federated() && table_.find(key)) backend_.announce(presence_change::left, {key});
    table_.erase(key);
    metrics_.peers.store(static_cast<std::int64_t>(table_.size()), std::memory_order_relaxed);
}

void signalling_hub::count_refused_join(metrics& m, std::string_view reason) {
    inc(m.joins_total);
    inc(m.joins_failure);
    m.joins_refused.inc(reason);
}

void signalling_hub::refuse_join(link_ptr const& from, std::optional<std::uint64_t> ack_id, std::string_view reason,
                                 std::string const& message) {
    inc(metrics_.joins_failure);  // joins_total counted on the way in (on_join)
    metrics_.joins_refused.inc(reason);
    log_.later_with(log_.refusals, spdlog::level::info,
                    {{log_key::connection, std::to_string(from->id())}, {log_key::reason, std::string(reason)}},
                    "join refused for connection {}: {}", from->id(), message);
    outbox_.send(from, make_frame(protocol::join_refusal_frame(ack_id, message)));
}

// The sender must be joined here and be the one the handshake speaks for: the offer's src, the
// answer's dst (a connection cannot offer or answer in another peer's name).
void signalling_hub::on_handshake(link_ptr const& from, routed_handshake& h) {
    peer* sender = table_.find_by_link(from->id());
    if (!sender) return router_.drop_unsent("not_joined");
    if (!h.answer && h.src_key != sender->address.key) return router_.drop_unsent("spoofed_src");
    if (h.answer && h.dst_key != sender->address.key) return router_.drop_unsent("spoofed_dst");
    router_.route({sender, nullptr}, h);
}

}  // namespace star::server
