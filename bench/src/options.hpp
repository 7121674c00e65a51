#pragma once
// Every setting of a bench run, with its default, in one place.

#include <cstdint>
#include <string>
#include <vector>

#include "slo.hpp"
#include "target_url.hpp"

namespace webrtc_star::bench {

struct options {
    // Targets: clients are spread over them round-robin (client i on targets[i % size])
    std::vector<std::string> urls{"ws://127.0.0.1:13579/socket.io-next/"};
    std::vector<target_url> targets;   // from urls
    std::string eio = "4";             // "3", "4" or "mix" (half of each server's clients EIO 3); an EIO= in a URL wins
    bool own_target = false;           // --i-own-this-target: allow addresses outside loopback
    std::vector<std::string> resolve;  // NAME=ADDR[+ADDR...]: addresses for NAME instead of DNS

    // TLS (wss:// and https:// targets)
    std::string ca_file;    // verify against this PEM instead of the system trust store
    bool insecure = false;  // no verification at all

    // Population
    std::size_t clients = 100;
    std::size_t joined = 0;                  // 0: all clients join
    double connect_rate = 2000;              // new connections per second
    std::size_t connect_concurrency = 1000;  // connects in flight at most
    std::vector<std::string> source_addrs;

    // Load
    double rate = 100;  // handshakes per second
    double duration_s = 10;
    double settle_s = 0.5;     // pause between the last join and the first offer
    double settle_max_s = 30;  // wait at most this long for ws-peer traffic to go quiet
    double drain_s = 3;        // wait for late answers after a phase
    std::size_t message_bytes = 600;
    std::size_t candidates = 0;  // per side and handshake
    double connect_timeout_s = 10;
    double handshake_timeout_s = 10;
    std::size_t send_queue_limit = 4096;  // frames queued per client

    // Scenario: steady (default), ramp, join-storm, churn, trickle, rate-search
    std::string scenario = "steady";
    double churn_rate = 5;  // churn: clients leaving (and replaced) per second

    // Search for the highest rate whose p99 stays under a bound
    bool find_max_rate = false;
    double p99_bound_ms = 50;
    double start_rate = 100;
    double max_rate = 1'000'000;
    double step_duration_s = 5;
    int refine_steps = 4;
    double max_error_ratio = 0.01;

    // Execution
    unsigned threads = 1;
    unsigned workers = 1;
    std::uint64_t seed = 1;

    // Output
    bool json = false;              // JSON instead of the summary on stdout
    std::string json_file;          // and/or JSON written here
    bool quiet = false;             // no progress on stderr
    bool check = false;             // exit 3 unless handshakes completed and errors stayed a minority
    std::string report;             // write <report>.json and <report>.html
    std::string progress = "auto";  // auto (live on a terminal), lines, none
    slo_spec slo;                   // --slo: exit 4 when missed

    // Set on worker processes only.
    int worker_index = -1;

    std::size_t joined_count() const { return joined == 0 ? clients : joined; }
    target_url const& target_of(std::size_t global_index) const { return targets[global_index % targets.size()]; }
    std::size_t server_of(std::size_t global_index) const { return global_index % targets.size(); }
    int eio_of(std::size_t global_index) const {
        if (auto v = target_of(global_index).eio) return v;
        // Mixed: every other client of each server (so each server sees both).
        auto nth_on_server = global_index / targets.size();
        return eio == "3" || (eio == "mix" && nth_on_server % 2 == 1) ? 3 : 4;
    }
    bool any_tls() const {
        for (auto const& t : targets)
            if (t.tls) return true;
        return false;
    }
    bool defers_join() const { return scenario == "join-storm"; }
    bool is_worker() const { return worker_index >= 0; }
    bool owns(std::size_t global_index) const {
        return workers <= 1 || worker_index < 0 || global_index % workers == static_cast<std::size_t>(worker_index);
    }
};

// Parses and validates the command line. Returns -1 to go on, or an exit
// status (0 after --help, 2 for a usage error, already reported on stderr).
int parse_options(int argc, char** argv, options& out);

}  // namespace webrtc_star::bench
