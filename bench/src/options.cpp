#include "options.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <stdexcept>

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>

namespace webrtc_star::bench {
namespace {

// "50ms", "2s", "1.5m", "250us"; a bare number is in `bare_unit_s`.
double parse_seconds(std::string const& text, double bare_unit_s) {
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (std::exception const&) {
        throw std::invalid_argument("not a duration: '" + text + "'");
    }
    auto unit = text.substr(used);
    double scale = bare_unit_s;
    if (unit == "us") scale = 1e-6;
    else if (unit == "ms") scale = 1e-3;
    else if (unit == "s") scale = 1;
    else if (unit == "m" || unit == "min") scale = 60;
    else if (!unit.empty()) throw std::invalid_argument("unknown time unit in '" + text + "' (use us, ms, s, m)");
    if (!(v >= 0) || !std::isfinite(v)) throw std::invalid_argument("duration must be >= 0: '" + text + "'");
    return v * scale;
}

void validate_scenario(options& o) {
    static constexpr char const* known[] = {"steady", "ramp", "join-storm", "churn", "trickle", "rate-search"};
    bool found = false;
    for (auto const* k : known) found = found || o.scenario == k;
    if (!found)
        throw std::invalid_argument("unknown --scenario '" + o.scenario +
                                    "' (steady, ramp, join-storm, churn, trickle, rate-search)");
    if (o.scenario == "rate-search") o.find_max_rate = true;
    if (o.scenario == "trickle" && o.candidates == 0) o.candidates = 4;
    if ((o.scenario == "join-storm" || o.scenario == "churn") && o.workers > 1)
        throw std::invalid_argument("--scenario " + o.scenario + " runs in one process (--workers 1)");
    if (!(o.churn_rate > 0)) throw std::invalid_argument("--churn-rate must be positive");
}

void validate_targets(options& o) {
    if (o.urls.empty()) throw std::invalid_argument("--url: at least one server");
    o.targets.clear();
    for (auto const& u : o.urls) o.targets.push_back(parse_target_url(u));
    if (o.eio != "3" && o.eio != "4" && o.eio != "mix") throw std::invalid_argument("--eio must be 3, 4 or mix");
    if (o.insecure && !o.ca_file.empty()) throw std::invalid_argument("--insecure and --ca-file contradict each other");
    if ((o.insecure || !o.ca_file.empty()) && !o.any_tls())
        throw std::invalid_argument("--insecure and --ca-file need a wss:// or https:// --url");
    for (auto const& r : o.resolve) {
        auto eq = r.find('=');
        if (eq == 0 || eq == std::string::npos || eq + 1 == r.size())
            throw std::invalid_argument("--resolve takes NAME=ADDR[+ADDR...], not '" + r + "'");
        for (std::size_t at = eq + 1; at <= r.size();) {
            auto plus = std::min(r.find('+', at), r.size());
            boost::system::error_code ec;
            boost::asio::ip::make_address(r.substr(at, plus - at), ec);
            if (ec) throw std::invalid_argument("--resolve: not an address: '" + r.substr(at, plus - at) + "'");
            at = plus + 1;
        }
    }
    if (o.progress != "auto" && o.progress != "lines" && o.progress != "none")
        throw std::invalid_argument("--progress must be auto, lines or none");
    if (o.quiet) o.progress = "none";
}

void validate(options& o) {
    validate_targets(o);
    validate_scenario(o);
    if (o.clients < 1) throw std::invalid_argument("--clients must be at least 1");
    if (o.joined > o.clients) throw std::invalid_argument("--joined must not exceed --clients");
    if (o.joined_count() < 2 && (o.rate > 0 || o.find_max_rate))
        throw std::invalid_argument("handshakes need at least 2 joined clients");
    if (!(o.connect_rate > 0) || !(o.rate >= 0) || !(o.start_rate > 0))
        throw std::invalid_argument("rates must be positive");
    if (o.threads < 1 || o.threads > 256) throw std::invalid_argument("--threads must be 1..256");
    if (o.workers < 1 || o.workers > 256) throw std::invalid_argument("--workers must be 1..256");
    for (auto const& a : o.source_addrs) {
        boost::system::error_code ec;
        auto addr = boost::asio::ip::make_address(a, ec);
        if (ec) throw std::invalid_argument("bad --source-addrs entry: '" + a + "'");
        // Loopback sources for loopback targets; a remote target needs this host's own addresses.
        if (!o.own_target && addr.is_v4() && (addr.to_v4().to_uint() >> 24) != 127)
            throw std::invalid_argument(
                "--source-addrs must be loopback (127.0.0.0/8) unless "
                "--i-own-this-target: " +
                a);
    }
}

}  // namespace

int parse_options(int argc, char** argv, options& o) {
    CLI::App app{
        "webrtc-star-bench: load generator for webrtc-star signalling servers "
        "(Socket.IO over WebSocket, Engine.IO 3 and 4, plain or TLS)"};
    app.get_formatter()->column_width(36);
    app.footer(
        "Exit status: 0 done; 1 no client connected (or I/O error); 2 usage error or a target outside "
        "loopback without --i-own-this-target; 3 --check failed; 4 --slo missed; 130 interrupted.");
    // A later flag wins, so scripts can append to a base command line.
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    std::string duration = "10s", settle = "500ms", settle_max = "30s", drain = "3s", bound = "50ms";
    std::string step = "5s", connect_timeout = "10s", handshake_timeout = "10s", slo;

    app.add_option("-u,--url", o.urls,
                   "Server URL incl. Socket.IO path (ws, wss, http, https); "
                   "repeat for a cluster")
        ->capture_default_str()
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--eio", o.eio, "Engine.IO version of the clients: 4, 3 (socket.io-client v2) or mix")
        ->capture_default_str();
    app.add_option("--ca-file", o.ca_file, "Verify TLS servers against this PEM instead of the system store");
    app.add_flag("--insecure", o.insecure, "Do not verify TLS certificates (self-signed staging servers)");
    app.add_option("--resolve", o.resolve,
                   "NAME=ADDR[+ADDR...]: use these addresses for NAME (as curl's "
                   "--resolve; the name stays in SNI and Host)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_flag("--i-own-this-target", o.own_target, "Allow targets outside loopback (only servers you run)");
    app.add_option("--scenario", o.scenario, "steady, ramp, join-storm, churn, trickle or rate-search")
        ->capture_default_str();
    app.add_option("--churn-rate", o.churn_rate, "churn: clients leaving and rejoining per second")
        ->capture_default_str();
    app.add_option("-n,--clients", o.clients, "Connections to open")->capture_default_str();
    app.add_option("--joined", o.joined, "How many of them send ss-join (default: all)");
    app.add_option("--connect-rate", o.connect_rate, "New connections per second")->capture_default_str();
    app.add_option("--connect-concurrency", o.connect_concurrency, "Connects in flight at most")->capture_default_str();
    app.add_option("--source-addrs", o.source_addrs, "Loopback source addresses to bind, round-robin")
        ->delimiter(',')
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("-r,--rate", o.rate, "Handshakes per second (offer + answer)")->capture_default_str();
    app.add_option("-d,--duration", duration, "Load phase length (e.g. 10s); for ramp, the ramp's")
        ->capture_default_str();
    app.add_option("--settle", settle, "Pause after the joins, before the first offer")->capture_default_str();
    app.add_option("--settle-max", settle_max, "Wait at most this long for the join announcements to end")
        ->capture_default_str();
    app.add_option("--drain", drain, "Wait this long for late answers after a phase")->capture_default_str();
    app.add_option("--message-bytes", o.message_bytes, "Size of offer/answer frames")->capture_default_str();
    app.add_option("--candidates", o.candidates, "ICE candidate messages per side and handshake")
        ->capture_default_str();
    app.add_option("--connect-timeout", connect_timeout, "Give up on a connection after")->capture_default_str();
    app.add_option("--handshake-timeout", handshake_timeout, "Count a handshake lost after")->capture_default_str();
    app.add_option("--send-queue", o.send_queue_limit, "Frames queued per client before dropping")
        ->capture_default_str();
    app.add_flag("--find-max-rate", o.find_max_rate, "Search the highest rate whose p99 stays under --p99-bound");
    app.add_option("--p99-bound", bound, "Latency bound for --find-max-rate")->capture_default_str();
    app.add_option("--start-rate", o.start_rate, "First rate tried by the search")->capture_default_str();
    app.add_option("--max-rate", o.max_rate, "Highest rate the search tries")->capture_default_str();
    app.add_option("--step-duration", step, "Length of each search step")->capture_default_str();
    app.add_option("--refine-steps", o.refine_steps, "Bisection steps after the doubling")->capture_default_str();
    app.add_option("--max-error-ratio", o.max_error_ratio, "A step fails above this error share")
        ->capture_default_str();
    app.add_option("-t,--threads", o.threads, "Threads (one io_context each) per process")->capture_default_str();
    app.add_option("-w,--workers", o.workers, "Worker processes (fork/exec of this binary)")->capture_default_str();
    app.add_option("--seed", o.seed, "Seed for peer ids and pair choice")->capture_default_str();
    app.add_flag("--json", o.json, "Print JSON instead of the summary on stdout");
    app.add_option("--json-file", o.json_file, "Also write the JSON result to this file");
    app.add_flag("-q,--quiet", o.quiet, "No progress lines on stderr");
    app.add_option("--report", o.report, "Write the report to <path>.json and <path>.html");
    app.add_option("--slo", slo, "Exit 4 unless the run meets these, e.g. p99=50ms,errors=0.1%,rate=100");
    app.add_option("--progress", o.progress, "auto (live on a terminal, else none), lines or none")
        ->capture_default_str();
    app.add_flag("--check", o.check, "Exit 3 if no handshake completed or errors outnumber completions");
    app.add_option("--worker-index", o.worker_index, "(internal)")->group("");

    try {
        app.parse(argc, argv);
        o.duration_s = parse_seconds(duration, 1);
        o.settle_s = parse_seconds(settle, 1);
        o.drain_s = parse_seconds(drain, 1);
        o.settle_max_s = parse_seconds(settle_max, 1);
        o.step_duration_s = parse_seconds(step, 1);
        o.connect_timeout_s = parse_seconds(connect_timeout, 1);
        o.handshake_timeout_s = parse_seconds(handshake_timeout, 1);
        o.p99_bound_ms = parse_seconds(bound, 1e-3) * 1e3;
        if (!slo.empty()) o.slo = parse_slo(slo);
        validate(o);
    } catch (CLI::ParseError const& e) {
        auto code = app.exit(e);
        return code == 0 ? 0 : 2;
    } catch (std::invalid_argument const& e) {
        std::cerr << "webrtc-star-bench: " << e.what() << "\nRun with --help for usage.\n";
        return 2;
    }
    return -1;
}

}  // namespace webrtc_star::bench
