#pragma once
// The in-process load driver: this process's clients spread over
// cfg.threads shards, one thread and io_context each.

#include <memory>
#include <thread>
#include <vector>

#include "driver.hpp"
#include "run_context.hpp"

namespace webrtc_star::bench {

class shard;

class engine : public load_driver {
public:
    engine(options const& cfg, server_addresses servers, tick_fn on_tick);
    ~engine() override;

    setup_result setup() override;
    phase_result run_phase(double rate, double seconds) override;
    storm_result join_storm() override;

private:
    snapshot read_all() const;
    double wait_for_quiet(std::vector<snapshot>* timeline = nullptr);
    bool setup_done(snapshot const& now, double elapsed) const;
    std::uint64_t outstanding() const;
    double elapsed_s(std::uint64_t since_us) const { return (ctx_.now_us() - since_us) / 1e6; }

    run_context ctx_;
    tick_fn on_tick_;
    std::vector<std::unique_ptr<shard>> shards_;
    std::vector<std::thread> threads_;
    std::size_t local_clients_ = 0;
};

}  // namespace webrtc_star::bench
