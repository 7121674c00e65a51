#include "rate_search.hpp"

#include <cmath>
#include <iostream>
#include <limits>
#include <sstream>

#include "interrupt.hpp"

namespace webrtc_star::bench {

search_step judge(phase_result phase, options const& cfg) {
    search_step s;
    auto const& d = phase.delta;
    auto offers = static_cast<double>(d[counter::offers_sent]);
    auto done = static_cast<double>(d[counter::answers_received]);
    auto p99_ms = static_cast<double>(d.handshake_us.percentile(99)) / 1e3;
    auto errors = static_cast<double>(d.error_total());
    std::ostringstream why;
    if (done == 0) why << "no handshake completed";
    else if (p99_ms > cfg.p99_bound_ms) why << "p99 " << p99_ms << " ms > " << cfg.p99_bound_ms << " ms";
    else if (errors > cfg.max_error_ratio * std::max(offers, 1.0))
        why << "errors " << errors << " of " << offers << " offers";
    else if (done < 0.9 * phase.target_rate * phase.seconds)
        why << "completed " << done / phase.seconds << "/s < 90% of target";
    s.passed = why.str().empty();
    s.verdict = s.passed ? "ok" : why.str();
    s.phase = std::move(phase);
    return s;
}

search_result find_max_rate(load_driver& driver, options const& cfg) {
    search_result r;
    r.p99_bound_ms = cfg.p99_bound_ms;
    double lo = 0;                                        // highest passing rate
    double hi = std::numeric_limits<double>::infinity();  // lowest failing rate
    double rate = std::min(cfg.start_rate, cfg.max_rate);
    int refinements = 0;
    bool retrying = false;
    while (!interrupt_requested()) {
        auto step = judge(driver.run_phase(rate, cfg.step_duration_s), cfg);
        if (step.phase.interrupted) {
            r.steps.push_back(std::move(step));
            break;
        }
        if (!cfg.quiet) std::cerr << "search: " << rate << "/s -> " << step.verdict << "\n";
        // One slow moment (a GC pause, a periodic broadcast) must not end the search: a failed
        // rate is tried once more, and fails only if it fails again.
        if (!step.passed && !retrying) {
            step.verdict += "; trying this rate once more";
            r.steps.push_back(std::move(step));
            retrying = true;
            continue;
        }
        retrying = false;
        (step.passed ? lo : hi) = rate;
        r.steps.push_back(std::move(step));
        if (std::isinf(hi)) {
            if (rate >= cfg.max_rate) break;
            rate = std::min(rate * 2, cfg.max_rate);
            continue;
        }
        if (refinements++ >= cfg.refine_steps || hi - lo <= std::max(1.0, 0.02 * hi)) break;
        rate = std::round((lo + hi) / 2);
    }
    r.best_rate = lo;
    return r;
}

}  // namespace webrtc_star::bench
