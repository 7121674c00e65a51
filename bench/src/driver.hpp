#pragma once
// What a run is made of (connect + join once, then one or more load phases)
// and the interface both the in-process engine and the worker pool offer.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "stats.hpp"

namespace webrtc_star::bench {

struct setup_result {
    std::size_t clients = 0;
    std::size_t joined = 0;    // clients told to join
    double seconds = 0;        // first connect to last client ready
    double quiet_seconds = 0;  // then until ws-peer announcements stopped
    snapshot totals;
    bool interrupted = false;
    std::string first_error;         // first connect failure, for messages
    std::vector<snapshot> timeline;  // one per second (in-process runs only)

    nlohmann::json to_json() const;
    static setup_result from_json(nlohmann::json const& j);
    void merge(setup_result const& o);
};

struct phase_result {
    double target_rate = 0;
    double seconds = 0;              // load time, without the drain
    snapshot delta;                  // everything counted in the phase and its drain
    std::vector<snapshot> timeline;  // one per second
    snapshot totals_after;           // cumulative since start, at the end of the drain
    bool interrupted = false;

    nlohmann::json to_json() const;
    static phase_result from_json(nlohmann::json const& j);
    void merge(phase_result const& o);
};

struct storm_result {
    std::size_t joins = 0;               // ss-join sent in the storm
    double seconds = 0;                  // storm start until announcements stopped
    std::uint64_t ws_peer = 0;           // announcements received in the storm
    std::uint64_t ws_peer_expected = 0;  // one per ordered pair of joined peers
    std::vector<snapshot> timeline;      // one per second
    snapshot delta;
};

// Called about once a second with the process-wide cumulative counts and the
// counts of the last second.
using tick_fn =
    std::function<void(std::string_view stage, double elapsed_s, snapshot const& totals, snapshot const& last_second)>;

class load_driver {
public:
    virtual ~load_driver() = default;
    virtual setup_result setup() = 0;
    virtual phase_result run_phase(double rate, double seconds) = 0;
    // join-storm: every connected client sends its ss-join at once.
    virtual storm_result join_storm() = 0;
};

}  // namespace webrtc_star::bench
