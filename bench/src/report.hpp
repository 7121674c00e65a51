#pragma once
// Turns measurements into the human summary and the JSON document.

#include <optional>
#include <ostream>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "driver.hpp"
#include "options.hpp"
#include "rate_search.hpp"

namespace webrtc_star::bench {

struct run_report {
    options const& cfg;
    setup_result setup;
    std::vector<phase_result> phases;     // fixed-rate run
    std::optional<search_result> search;  // --find-max-rate
    bool interrupted = false;
};

void print_summary(std::ostream& out, run_report const& r);
nlohmann::json to_json(run_report const& r);

// One progress line (stderr) from a tick.
void print_progress(std::ostream& out, std::string_view stage, double elapsed_s,
                    snapshot const& totals, snapshot const& last_second);

} // namespace webrtc_star::bench
