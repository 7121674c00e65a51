#pragma once
// Stepwise search for the highest handshake rate whose p99 stays under a
// bound: double the rate until a step fails, then bisect between the last
// passing and the first failing rate.

#include <vector>

#include "driver.hpp"
#include "options.hpp"

namespace webrtc_star::bench {

struct search_step {
    phase_result phase;
    bool passed = false;
    std::string verdict;  // why it failed, or "ok"
};

struct search_result {
    double p99_bound_ms = 0;
    double best_rate = 0;  // 0: even the lowest rate tried failed
    std::vector<search_step> steps;
};

// Judges one phase against the bound and the error budget.
search_step judge(phase_result phase, options const& cfg);

search_result find_max_rate(load_driver& driver, options const& cfg);

}  // namespace webrtc_star::bench
