// webrtc-star-bench: opens N Socket.IO clients against a webrtc-star
// signalling server, joins them, drives offer/answer handshakes between random
// pairs and reports latency and throughput. main() only wires the parts.

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "engine.hpp"
#include "interrupt.hpp"
#include "options.hpp"
#include "progress.hpp"
#include "rate_search.hpp"
#include "report.hpp"
#include "server_probe.hpp"
#include "worker.hpp"
#include "worker_pool.hpp"

namespace bench = webrtc_star::bench;

namespace {

int fail(std::string const& what, int code) {
    std::cerr << "webrtc-star-bench: " << what << "\n";
    return code;
}

// Live (one line redrawn) on a terminal, nothing when stderr is not one,
// unless --progress lines asks for a line a second (bench/compare reads them).
bench::tick_fn progress_printer(bench::options const& cfg) {
    bool live = cfg.progress == "auto" && ::isatty(STDERR_FILENO) == 1;
    bool lines = cfg.progress == "lines";
    return [live, lines](std::string_view stage, double t, bench::snapshot const& totals, bench::snapshot const& last) {
        if (live) bench::print_live_progress(std::cerr, stage, t, totals, last);
        else if (lines) bench::print_progress(std::cerr, stage, t, totals, last);
    };
}

void end_live_progress(bench::options const& cfg) {
    if (cfg.progress == "auto" && ::isatty(STDERR_FILENO) == 1) std::cerr << "\n";
}

std::unique_ptr<bench::load_driver> make_driver(bench::options const& cfg, bench::server_addresses servers, int argc,
                                                char** argv) {
    if (cfg.workers > 1)
        return std::make_unique<bench::worker_pool>(cfg, std::vector<std::string>(argv, argv + argc),
                                                    progress_printer(cfg));
    return std::make_unique<bench::engine>(cfg, std::move(servers), progress_printer(cfg));
}

// For smoke tests: did it work at all, whatever the speed?
int check_outcome(bench::run_report const& report) {
    std::uint64_t completed = 0, errors = report.setup.totals.error_total();
    for (auto const& p : report.phases) {
        completed += p.delta[bench::counter::answers_received];
        errors += p.delta.error_total();
    }
    if (report.search)
        for (auto const& s : report.search->steps) {
            completed += s.phase.delta[bench::counter::answers_received];
            errors += s.phase.delta.error_total();
        }
    if (completed == 0) return fail("check failed: no handshake completed", 3);
    if (errors > completed)
        return fail("check failed: " + std::to_string(errors) + " errors against " + std::to_string(completed) +
                        " completed handshakes",
                    3);
    std::cerr << "check passed: " << completed << " handshakes completed, " << errors << " errors\n";
    return 0;
}

bool write_file(std::string const& path, std::string const& text) {
    std::ofstream out(path);
    out << text;
    return static_cast<bool>(out);
}

int write_report(bench::run_report& report) {
    auto const& cfg = report.cfg;
    end_live_progress(cfg);
    if (!cfg.slo.empty()) report.slo = bench::judge_slo(cfg.slo, bench::slo_figures_of(report));
    auto json = bench::to_json(report);
    if (cfg.json) std::cout << json.dump(2) << "\n";
    else bench::print_summary(std::cout, report);
    if (!cfg.json_file.empty() && !write_file(cfg.json_file, json.dump(2) + "\n"))
        return fail("cannot write " + cfg.json_file, 1);
    if (!cfg.report.empty()) {
        if (!write_file(cfg.report + ".json", json.dump(2) + "\n") ||
            !write_file(cfg.report + ".html", bench::to_html(json)))
            return fail("cannot write the report " + cfg.report + ".json/.html", 1);
        std::cerr << "report: " << cfg.report << ".html (and .json)\n";
    }
    if (report.interrupted) return 130;
    if (auto rc = cfg.check ? check_outcome(report) : 0; rc != 0) return rc;
    for (auto const& c : report.slo)
        if (!c.passed) return fail("SLO missed: " + c.text, 4);
    return 0;
}

void run_scenario(bench::load_driver& driver, bench::run_report& report) {
    auto const& cfg = report.cfg;
    if (cfg.scenario == "ramp") return;  // the ramp is the set-up itself
    if (cfg.scenario == "join-storm") {
        report.storm = driver.join_storm();
        return;
    }
    if (!bench::sleep_unless_interrupted(cfg.settle_s)) return;
    if (cfg.find_max_rate) report.search = bench::find_max_rate(driver, cfg);
    else if (cfg.rate > 0 || cfg.scenario == "churn")
        report.phases.push_back(driver.run_phase(cfg.rate, cfg.duration_s));
}

int run(bench::options const& cfg, int argc, char** argv) {
    auto fd_limit = bench::raise_open_file_limit();
    auto per_process = (cfg.clients + cfg.workers - 1) / cfg.workers;
    if (per_process + 64 > fd_limit)
        return fail(std::to_string(per_process) + " clients per process exceed the open-file limit (" +
                        std::to_string(fd_limit) + "); use --workers " +
                        std::to_string(cfg.clients / (fd_limit - 64) + 1) + " or more",
                    2);
    if (cfg.source_addrs.empty() && cfg.clients > 28000)
        std::cerr << "webrtc-star-bench: warning: more than ~28,000 connections to one address "
                     "need --source-addrs 127.0.0.2,127.0.0.3,...\n";
    bench::server_addresses servers;
    try {
        servers = bench::probe_servers(cfg);
    } catch (bench::target_refused const& e) {
        return fail(std::string("refused: ") + e.what(), 2);
    }
    if (cfg.is_worker()) return bench::run_worker(cfg, std::move(servers));

    std::vector<std::vector<std::string>> addresses;
    for (auto const& list : servers) {
        addresses.emplace_back();
        for (auto const& ep : list) addresses.back().push_back((std::ostringstream() << ep).str());
    }
    auto driver = make_driver(cfg, std::move(servers), argc, argv);
    bench::run_report report{cfg, driver->setup()};
    report.addresses = std::move(addresses);
    report.interrupted = report.setup.interrupted;
    if (report.setup.totals[bench::counter::clients_ready] == 0 && !report.interrupted) {
        write_report(report);
        return fail("no client could connect to " + cfg.urls.front() +
                        (report.setup.first_error.empty() ? "" : ": " + report.setup.first_error),
                    1);
    }
    if (!report.interrupted) run_scenario(*driver, report);
    report.interrupted = report.interrupted || bench::interrupt_requested();
    driver.reset();  // close connections (and workers) before printing
    return write_report(report);
}

}  // namespace

int main(int argc, char** argv) {
    bench::options cfg;
    if (auto rc = bench::parse_options(argc, argv, cfg); rc >= 0) return rc;
    bench::install_interrupt_handlers();
    try {
        return run(cfg, argc, argv);
    } catch (std::exception const& e) {
        return fail(e.what(), 1);
    }
}
