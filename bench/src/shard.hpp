#pragma once
// One thread's share of the clients: its own io_context, the clients on it,
// the timers that ramp connections up and issue handshakes at a steady rate,
// and the stats it alone writes. The control thread talks to it only through
// the post_* calls and by reading stats.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "run_context.hpp"
#include "stats.hpp"

namespace webrtc_star::bench {

class client;

class shard {
public:
    shard(run_context const& ctx, unsigned index);
    ~shard();

    // Before run(): give this shard a client.
    void add_client(std::uint64_t global_index, bool joins);
    std::size_t client_count() const { return clients_.size(); }
    std::size_t joining_count() const { return joining_; }

    void run();        // on this shard's thread until post_stop() drains it
    void post_ramp();  // start opening connections
    // Handshakes per second (0 stops issuing) and, for churn, clients per
    // second that leave and are replaced by a new connection that joins.
    void post_load(double handshakes_per_s, double churn_per_s = 0);
    void post_join_all();  // join-storm: every client sends its ss-join now
    void post_stop();      // close everything and return from run()
    // Give up on unanswered handshakes; returns once done.
    void abandon_pending();

    shard_stats& stats() { return stats_; }
    shard_stats const& stats() const { return stats_; }
    run_context const& ctx() const { return ctx_; }
    boost::asio::io_context& context() { return ioc_; }
    std::uint64_t last_ready_us() const { return last_ready_us_.load(std::memory_order_relaxed); }
    std::string first_connect_error() const;

    // From clients, on this shard's thread.
    void on_client_ready(client& c);
    void note_connect_error(std::string const& what);

private:
    void do_ramp();
    void on_ramp_tick();
    std::size_t ramp_due(double elapsed_s) const;
    void do_load_tick();
    void do_sweep();
    std::uint64_t pick_peer(std::uint64_t self);
    void churn_one();

    run_context const& ctx_;
    boost::asio::io_context ioc_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    boost::asio::steady_timer ramp_timer_;
    boost::asio::steady_timer load_timer_;
    boost::asio::steady_timer sweep_timer_;
    std::vector<std::shared_ptr<client>> clients_;
    std::vector<client*> dialers_;  // ready and joined
    std::size_t joining_ = 0;
    std::size_t next_start_ = 0;
    std::uint64_t ramp_start_us_ = 0;
    double ramp_rate_ = 0;
    std::uint64_t load_start_us_ = 0;
    std::uint64_t load_issued_ = 0;
    double load_rate_ = 0;
    double churn_rate_ = 0;
    bool stopping_ = false;  // set by post_stop: no timer is armed again
    std::uint64_t churned_ = 0;
    std::mt19937_64 rng_;
    shard_stats stats_;
    std::atomic<std::uint64_t> last_ready_us_{0};
    mutable std::mutex error_mutex_;
    std::string first_connect_error_;
};

}  // namespace webrtc_star::bench
