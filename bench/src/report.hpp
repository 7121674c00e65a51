#pragma once
// Turns measurements into the human summary and the JSON document.

#include <optional>
#include <ostream>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "driver.hpp"
#include "options.hpp"
#include "rate_search.hpp"
#include "slo.hpp"

namespace webrtc_star::bench {

struct run_report {
    options const& cfg;
    setup_result setup;
    std::vector<phase_result> phases = {};                 // fixed-rate run (steady, churn, trickle)
    std::optional<search_result> search = {};              // rate-search
    std::optional<storm_result> storm = {};                // join-storm
    std::vector<slo_check> slo = {};                       // --slo, judged at the end
    std::vector<std::vector<std::string>> addresses = {};  // by --url: the addresses used
    bool interrupted = false;
};

void print_summary(std::ostream& out, run_report const& r);
// The report document; bench/report.schema.json describes it.
nlohmann::json to_json(run_report const& r);
// A self-contained HTML page (inline SVG plots, no external assets) of a report document.
std::string to_html(nlohmann::json const& report);
// What --slo judges: the load phases (or search steps) taken together.
slo_figures slo_figures_of(run_report const& r);

}  // namespace webrtc_star::bench
