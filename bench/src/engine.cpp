#include "engine.hpp"

#include <algorithm>
#include <thread>

#include "interrupt.hpp"
#include "shard.hpp"

namespace webrtc_star::bench {

namespace {
constexpr double poll_s = 0.005;
}

engine::engine(options const& cfg, boost::asio::ip::tcp::endpoint server, tick_fn on_tick)
    : ctx_(cfg, server), on_tick_(std::move(on_tick))
{
    for (unsigned t = 0; t < cfg.threads; ++t)
        shards_.push_back(std::make_unique<shard>(ctx_, t));
    std::size_t next = 0;
    for (std::size_t i = 0; i < cfg.clients; ++i) {
        if (!cfg.owns(i))
            continue;
        shards_[next++ % shards_.size()]->add_client(i, i < cfg.joined_count());
        ++local_clients_;
    }
    for (auto& s : shards_)
        threads_.emplace_back([p = s.get()] { p->run(); });
}

engine::~engine()
{
    for (auto& s : shards_)
        s->post_stop();
    for (auto& t : threads_)
        t.join();
}

snapshot engine::read_all() const
{
    snapshot total;
    for (auto const& s : shards_)
        total.merge(s->stats().read());
    return total;
}

std::uint64_t engine::outstanding() const
{
    auto s = read_all();
    auto settled = s[counter::answers_received] + s[error_kind::peer_not_available] +
                   s[error_kind::handshake_timeout];
    return s[counter::offers_sent] > settled ? s[counter::offers_sent] - settled : 0;
}

setup_result engine::setup()
{
    setup_result r;
    r.clients = local_clients_;
    for (auto const& s : shards_)
        r.joined += s->joining_count();
    auto start = ctx_.now_us();
    for (auto& s : shards_)
        s->post_ramp();
    snapshot prev = read_all();
    double next_tick = 1;
    for (;;) {
        auto cur = read_all();
        if (cur[counter::clients_ready] + cur[counter::clients_failed] >= local_clients_)
            break;
        if (interrupt_requested()) {
            r.interrupted = true;
            break;
        }
        if (elapsed_s(start) >= next_tick) {
            on_tick_("connect", elapsed_s(start), cur, cur.since(prev));
            prev = cur;
            next_tick += 1;
        }
        sleep_unless_interrupted(poll_s);
    }
    std::uint64_t last = 0;
    for (auto const& s : shards_) {
        last = std::max(last, s->last_ready_us());
        if (r.first_error.empty())
            r.first_error = s->first_connect_error();
    }
    r.seconds = last > start ? (last - start) / 1e6 : 0;
    r.quiet_seconds = wait_for_quiet();
    r.totals = read_all();
    return r;
}

// Every join makes the server announce the joiner to all other peers: N^2/2
// ws-peer frames. Handshakes measured during that storm would measure the
// storm, so wait (boundedly) until it has passed.
double engine::wait_for_quiet()
{
    auto start = ctx_.now_us();
    auto last_count = read_all()[counter::ws_peer_received];
    auto last_change = start;
    while (elapsed_s(start) < ctx_.cfg.settle_max_s && !interrupt_requested()) {
        sleep_unless_interrupted(0.05);
        auto count = read_all()[counter::ws_peer_received];
        if (count != last_count) {
            last_count = count;
            last_change = ctx_.now_us();
        } else if (elapsed_s(last_change) >= 0.3) {
            break;
        }
    }
    return elapsed_s(start);
}

phase_result engine::run_phase(double rate, double seconds)
{
    phase_result r;
    r.target_rate = rate;
    auto const m = static_cast<double>(ctx_.joined_addrs.size());
    auto const base = read_all();
    auto start = ctx_.now_us();
    for (auto& s : shards_)
        s->post_load(rate * static_cast<double>(s->joining_count()) / m);
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
    for (auto& s : shards_)
        s->post_load(0);
    // Late answers still count for this phase; after the drain they are lost.
    auto drain_start = ctx_.now_us();
    while (outstanding() > 0 && elapsed_s(drain_start) < ctx_.cfg.drain_s &&
           !interrupt_requested())
        sleep_unless_interrupted(poll_s);
    for (auto& s : shards_)
        s->abandon_pending();
    auto end = read_all();
    auto tail = end.since(prev);
    if (tail[counter::offers_sent] + tail[counter::answers_received] + tail.error_total() > 0 ||
        r.timeline.empty())
        r.timeline.push_back(tail);
    r.delta = end.since(base);
    r.totals_after = std::move(end);
    return r;
}

} // namespace webrtc_star::bench
