#pragma once
// Every setting of a bench run, with its default, in one place.

#include <cstdint>
#include <string>
#include <vector>

namespace webrtc_star::bench {

struct options {
    // Target
    std::string url = "ws://127.0.0.1:13579/socket.io-next/";
    std::string host;          // from url
    unsigned short port = 0;   // from url
    std::string target;        // path + Engine.IO query, from url

    // Population
    std::size_t clients = 100;
    std::size_t joined = 0;     // 0: all clients join
    double connect_rate = 2000; // new connections per second
    std::size_t connect_concurrency = 1000; // connects in flight at most
    std::vector<std::string> source_addrs;

    // Load
    double rate = 100;          // handshakes per second
    double duration_s = 10;
    double settle_s = 0.5;      // pause between the last join and the first offer
    double settle_max_s = 30;   // wait at most this long for ws-peer traffic to go quiet
    double drain_s = 3;         // wait for late answers after a phase
    std::size_t message_bytes = 600;
    std::size_t candidates = 0; // per side and handshake
    double connect_timeout_s = 10;
    double handshake_timeout_s = 10;
    std::size_t send_queue_limit = 4096; // frames queued per client

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
    bool json = false;          // JSON instead of the summary on stdout
    std::string json_file;      // and/or JSON written here
    bool quiet = false;         // no progress on stderr
    bool check = false;         // exit 3 unless handshakes completed and errors stayed a minority

    // Set on worker processes only.
    int worker_index = -1;

    std::size_t joined_count() const { return joined == 0 ? clients : joined; }
    bool is_worker() const { return worker_index >= 0; }
    bool owns(std::size_t global_index) const
    {
        return workers <= 1 || worker_index < 0 ||
               global_index % workers == static_cast<std::size_t>(worker_index);
    }
};

// Parses and validates the command line. Returns -1 to go on, or an exit
// status (0 after --help, 2 for a usage error, already reported on stderr).
int parse_options(int argc, char** argv, options& out);

} // namespace webrtc_star::bench
