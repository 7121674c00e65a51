#include "engine.hpp"

#include <algorithm>
#include <thread>

#include "interrupt.hpp"
#include "shard.hpp"

namespace webrtc_star::bench {

namespace {
constexpr double poll_s = 0.005;
}

engine::engine(options const& cfg, server_addresses servers, tick_fn on_tick)
    : ctx_(cfg, std::move(servers)), on_tick_(std::move(on_tick)) {
    for (unsigned t = 0; t < cfg.threads; ++t) shards_.push_back(std::make_unique<shard>(ctx_, t));
    std::size_t next = 0;
    for (std::size_t i = 0; i < cfg.clients; ++i) {
        if (!cfg.owns(i)) continue;
        shards_[next++ % shards_.size()]->add_client(i, i < cfg.joined_count());
        ++local_clients_;
    }
    for (auto& s : shards_) threads_.emplace_back([p = s.get()] { p->run(); });
}

engine::~engine() {
    for (auto& s : shards_) s->post_stop();
    for (auto& t : threads_) t.join();
}

snapshot engine::read_all() const {
    snapshot total;
    for (auto const& s : shards_) total.merge(s->stats().read());
    return total;
}

std::uint64_t engine::outstanding() const {
    auto s = read_all();
    auto settled = s[counter::answers_received] + s[error_kind::peer_not_available] + s[error_kind::handshake_timeout];
    return s[counter::offers_sent] > settled ? s[counter::offers_sent] - settled : 0;
}

setup_result engine::setup() {
    setup_result r;
    r.clients = local_clients_;
    for (auto const& s : shards_) r.joined += s->joining_count();
    auto start = ctx_.now_us();
    for (auto& s : shards_) s->post_ramp();
    snapshot prev = read_all();
    double next_tick = 1;
    for (;;) {
        auto cur = read_all();
        if (setup_done(cur, elapsed_s(start))) break;
        if (interrupt_requested()) {
            r.interrupted = true;
            break;
        }
        if (elapsed_s(start) >= next_tick) {
            r.timeline.push_back(cur.since(prev));
            on_tick_("connect", elapsed_s(start), cur, r.timeline.back());
            prev = cur;
            next_tick += 1;
        }
        sleep_unless_interrupted(poll_s);
    }
    std::uint64_t last = 0;
    for (auto const& s : shards_) {
        last = std::max(last, s->last_ready_us());
        if (r.first_error.empty()) r.first_error = s->first_connect_error();
    }
    r.seconds = last > start ? (last - start) / 1e6 : 0;
    r.quiet_seconds = wait_for_quiet();
    r.totals = read_all();
    return r;
}

// Every client ready or failed; a ramp ends at --duration, once the connects
// it started have settled (each is bounded by --connect-timeout).
bool engine::setup_done(snapshot const& now, double elapsed) const {
    auto settled = now[counter::clients_ready] + now[counter::clients_failed];
    if (settled >= local_clients_) return true;
    auto const& cfg = ctx_.cfg;
    if (cfg.scenario != "ramp" || elapsed < cfg.duration_s) return false;
    return settled >= now[counter::connects_started] || elapsed >= cfg.duration_s + cfg.connect_timeout_s + 1;
}

storm_result engine::join_storm() {
    storm_result r;
    auto base = read_all();
    auto start = ctx_.now_us();
    for (auto& s : shards_) s->post_join_all();
    r.seconds = wait_for_quiet(&r.timeline);
    auto end = read_all();
    r.delta = end.since(base);
    r.joins = r.delta[counter::joins_sent];
    r.ws_peer = r.delta[counter::ws_peer_received];
    auto m = static_cast<std::uint64_t>(r.joins);
    r.ws_peer_expected = m > 0 ? m * (m - 1) : 0;  // each joined peer hears of every other
    (void)start;
    return r;
}

// Every join makes the server announce the joiner to all other peers: N^2/2
// ws-peer frames. Handshakes measured during that storm would measure the
// storm, so wait (boundedly) until it has passed.
double engine::wait_for_quiet(std::vector<snapshot>* timeline) {
    auto start = ctx_.now_us();
    auto prev = read_all();
    auto last_count = prev[counter::ws_peer_received];
    auto const prev_total = last_count;
    auto last_change = start;
    double next_tick = 1;
    while (elapsed_s(start) < ctx_.cfg.settle_max_s && !interrupt_requested()) {
        sleep_unless_interrupted(0.05);
        auto now = read_all();
        if (timeline && elapsed_s(start) >= next_tick) {
            timeline->push_back(now.since(prev));
            on_tick_("joins", elapsed_s(start), now, timeline->back());
            prev = now;
            next_tick += 1;
        }
        auto count = now[counter::ws_peer_received];
        if (count != last_count) {
            last_count = count;
            last_change = ctx_.now_us();
        } else if (elapsed_s(last_change) >= 0.3 && (!timeline || count != prev_total || elapsed_s(start) >= 2)) {
            // (a storm waits up to 2 s for its first announcement)
            break;
        }
    }
    return elapsed_s(start);
}

phase_result engine::run_phase(double rate, double seconds) {
    phase_result r;
    r.target_rate = rate;
    auto const m = static_cast<double>(ctx_.joined_addrs.size());
    auto const base = read_all();
    auto start = ctx_.now_us();
    auto churn = ctx_.cfg.scenario == "churn" ? ctx_.cfg.churn_rate / static_cast<double>(shards_.size()) : 0.0;
    for (auto& s : shards_) s->post_load(rate * static_cast<double>(s->joining_count()) / m, churn);
    snapshot prev = base;
    double next_tick = 1;
    while (elapsed_s(start) < seconds) {
        if (interrupt_requested()) {
            r.interrupted = true;
            break;
        }
        if (elapsed_s(start) >= next_tick) {
            auto cur = read_all();
            r.timeline.push_back(cur.since(prev));
            on_tick_("load", elapsed_s(start), cur, r.timeline.back());
            prev = cur;
            next_tick += 1;
        }
        sleep_unless_interrupted(poll_s);
    }
    r.seconds = elapsed_s(start);
    for (auto& s : shards_) s->post_load(0);
    // Late answers still count for this phase; after the drain they are lost.
    auto drain_start = ctx_.now_us();
    while (outstanding() > 0 && elapsed_s(drain_start) < ctx_.cfg.drain_s && !interrupt_requested())
        sleep_unless_interrupted(poll_s);
    for (auto& s : shards_) s->abandon_pending();
    auto end = read_all();
    auto tail = end.since(prev);
    if (tail[counter::offers_sent] + tail[counter::answers_received] + tail.error_total() > 0 || r.timeline.empty())
        r.timeline.push_back(tail);
    r.delta = end.since(base);
    r.totals_after = std::move(end);
    return r;
}

}  // namespace webrtc_star::bench
