#include "shard.hpp"

#include <algorithm>
#include <cmath>
#include <future>

#include <boost/asio/post.hpp>

#include "client.hpp"

namespace webrtc_star::bench {

namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {
constexpr auto tick = 1ms;  // granularity of ramp and load pacing
}

shard::shard(run_context const& ctx, unsigned index)
    : ctx_(ctx),
      work_(ioc_.get_executor()),
      ramp_timer_(ioc_),
      load_timer_(ioc_),
      sweep_timer_(ioc_),
      rng_(ctx.cfg.seed * 1000003 + index + 7919 * static_cast<unsigned>(ctx.cfg.worker_index + 1)) {}

shard::~shard() {
    // Clients hold sockets of ioc_; release them before ioc_ goes.
    clients_.clear();
}

void shard::add_client(std::uint64_t global_index, bool joins) {
    clients_.push_back(std::make_shared<client>(*this, global_index, joins));
    joining_ += joins ? 1 : 0;
}

void shard::run() { ioc_.run(); }

void shard::post_ramp() {
    net::post(ioc_, [this] {
        // Each shard's share of the process-wide connect rate and concurrency.
        ramp_rate_ = ctx_.cfg.connect_rate / ctx_.cfg.threads / ctx_.cfg.workers;
        ramp_start_us_ = ctx_.now_us();
        do_ramp();
        do_sweep();
    });
}

void shard::do_ramp() {
    if (stopping_) return;
    ramp_timer_.expires_after(tick);
    ramp_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) on_ramp_tick();
    });
}

// Connections due after `t` seconds: at the full rate, or (ramp scenario)
// at a rate rising linearly from 0 to the full rate over --duration, then no more.
std::size_t shard::ramp_due(double t) const {
    auto const& cfg = ctx_.cfg;
    if (cfg.scenario != "ramp") return static_cast<std::size_t>(t * ramp_rate_) + 1;
    auto span = std::max(cfg.duration_s, 1e-3);
    t = std::min(t, span);
    return static_cast<std::size_t>(ramp_rate_ * t * t / (2 * span)) + 1;
}

void shard::on_ramp_tick() {
    auto elapsed_s = (ctx_.now_us() - ramp_start_us_) / 1e6;
    auto due = std::min<std::size_t>(clients_.size(), ramp_due(elapsed_s));
    bool ramp_over = ctx_.cfg.scenario == "ramp" && elapsed_s >= ctx_.cfg.duration_s;
    auto in_flight_limit = std::max<std::size_t>(1, ctx_.cfg.connect_concurrency / ctx_.cfg.threads / ctx_.cfg.workers);
    auto in_flight = stats_.get(counter::connects_started) - stats_.get(counter::clients_ready) -
                     stats_.get(counter::clients_failed);
    while (next_start_ < due && in_flight < in_flight_limit) {
        clients_[next_start_++]->start();
        ++in_flight;
    }
    if (next_start_ < clients_.size() && !ramp_over) do_ramp();
}

void shard::on_client_ready(client& c) {
    stats_.add(counter::clients_ready);
    last_ready_us_.store(ctx_.now_us(), std::memory_order_relaxed);
    if (c.index() < ctx_.joined_addrs.size()) dialers_.push_back(&c);
}

void shard::post_load(double rate, double churn_per_s) {
    net::post(ioc_, [this, rate, churn_per_s] {
        load_rate_ = rate;
        churn_rate_ = churn_per_s;
        load_start_us_ = ctx_.now_us();
        load_issued_ = 0;
        churned_ = 0;
        load_timer_.cancel();
        if (rate > 0 || churn_per_s > 0) do_load_tick();
    });
}

void shard::post_join_all() {
    net::post(ioc_, [this] {
        for (auto& c : clients_) c->join_now();
    });
}

void shard::do_load_tick() {
    auto elapsed_s = (ctx_.now_us() - load_start_us_) / 1e6;
    auto due = static_cast<std::uint64_t>(elapsed_s * load_rate_);
    // Open loop: offers go out on schedule whether or not answers came back,
    // so a slow server shows up as latency, not as a lower offered rate.
    auto churn_due = static_cast<std::uint64_t>(elapsed_s * churn_rate_);
    while (churned_ < churn_due) {
        ++churned_;
        churn_one();
    }
    while (load_issued_ < due) {
        ++load_issued_;
        if (dialers_.empty()) continue;
        auto* dialer = dialers_[rng_() % dialers_.size()];
        if (!dialer->ready()) continue;
        dialer->dial(pick_peer(dialer->index()));
    }
    if (stopping_) return;
    load_timer_.expires_after(tick);
    load_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec && (load_rate_ > 0 || churn_rate_ > 0)) do_load_tick();
    });
}

// A ready client leaves (closes its connection) and a new one with the same
// index connects and joins again, as a browser tab that reloads.
void shard::churn_one() {
    if (clients_.empty()) return;
    auto slot = rng_() % clients_.size();
    auto& leaving = clients_[slot];
    if (!leaving->ready()) return;
    auto at = std::find(dialers_.begin(), dialers_.end(), leaving.get());
    if (at != dialers_.end()) {
        *at = dialers_.back();
        dialers_.pop_back();
    }
    auto index = leaving->index();
    leaving->close();
    stats_.add(counter::churn_leaves);
    leaving = std::make_shared<client>(*this, index, index < ctx_.joined_addrs.size());
    leaving->start();
}

std::uint64_t shard::pick_peer(std::uint64_t self) {
    auto m = ctx_.joined_addrs.size();
    auto r = rng_() % (m - 1);
    return r >= self ? r + 1 : r;
}

void shard::do_sweep() {
    if (stopping_) return;
    sweep_timer_.expires_after(250ms);
    sweep_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        auto now = ctx_.now_us();
        for (auto& c : clients_) c->sweep(now);
        do_sweep();
    });
}

void shard::post_stop() {
    net::post(ioc_, [this] {
        ramp_timer_.cancel();
        load_timer_.cancel();
        sweep_timer_.cancel();
        load_rate_ = 0;
        churn_rate_ = 0;
        stopping_ = true;  // a timer handler already queued must not re-arm its timer
        for (auto& c : clients_) c->close();
        work_.reset();
    });
}

void shard::abandon_pending() {
    std::promise<void> done;
    net::post(ioc_, [this, &done] {
        for (auto& c : clients_) c->abandon_pending();
        done.set_value();
    });
    done.get_future().wait();
}

void shard::note_connect_error(std::string const& what) {
    std::lock_guard lock(error_mutex_);
    if (first_connect_error_.empty()) first_connect_error_ = what;
}

std::string shard::first_connect_error() const {
    std::lock_guard lock(error_mutex_);
    return first_connect_error_;
}

}  // namespace webrtc_star::bench
