#pragma once
// Load driver that spreads clients over worker processes (this binary,
// re-executed with --worker-index) and merges what they report.

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "driver.hpp"
#include "options.hpp"

namespace webrtc_star::bench {

class worker_pool : public load_driver {
public:
    // Starts the workers; throws std::runtime_error if one cannot be started.
    worker_pool(options const& cfg, std::vector<std::string> const& base_args, tick_fn on_tick);
    ~worker_pool() override;

    setup_result setup() override;
    phase_result run_phase(double rate, double seconds) override;
    storm_result join_storm() override;  // not across processes: options refuse it

private:
    struct worker {
        int pid = -1;
        int to_worker = -1;    // its stdin
        int from_worker = -1;  // its stdout
        std::thread reader;
        nlohmann::json last_totals;
        bool fresh_tick = false;  // a tick arrived since the last progress line
        bool exited = false;
    };
    struct message {
        std::size_t worker;
        nlohmann::json body;  // null: the worker closed its stdout
    };

    void spawn(std::size_t index, std::vector<std::string> args);
    void read_lines(std::size_t index);
    void send_all(std::string const& line);
    // Collects one message of `type` from every worker, forwarding ticks.
    std::vector<nlohmann::json> gather(std::string const& type, std::string_view stage);
    void emit_tick(std::string_view stage, double elapsed);

    options const& cfg_;
    tick_fn on_tick_;
    std::vector<worker> workers_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<message> inbox_;
    snapshot prev_tick_;
    bool interrupt_forwarded_ = false;
};

}  // namespace webrtc_star::bench
