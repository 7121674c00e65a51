#pragma once
// Service-level objectives a run is judged against (--slo p99=50ms,errors=0.1%),
// so a CI job can gate a deployment on the bench's exit status.

#include <optional>
#include <string>
#include <vector>

namespace webrtc_star::bench {

struct slo_spec {
    std::optional<double> p50_ms, p90_ms, p99_ms, p99_9_ms;  // handshake round trip, at most
    std::optional<double> connect_p99_ms;                    // connect latency, at most
    std::optional<double> error_ratio;                       // errors / attempts, at most
    std::optional<double> min_rate;                          // completed handshakes per second, at least
    bool empty() const {
        return !p50_ms && !p90_ms && !p99_ms && !p99_9_ms && !connect_p99_ms && !error_ratio && !min_rate;
    }
};

// "p99=50ms,errors=0.1%,rate=100,connect_p99=1s"; throws std::invalid_argument.
slo_spec parse_slo(std::string const& text);

struct slo_figures {
    double p50_ms = 0, p90_ms = 0, p99_ms = 0, p99_9_ms = 0, connect_p99_ms = 0;
    double error_ratio = 0, rate = 0;
};

struct slo_check {
    std::string name;  // "p99", "errors", ...
    double limit = 0;
    double actual = 0;
    bool passed = false;
    std::string text;  // "p99 12.3 ms <= 50 ms: ok"
};

std::vector<slo_check> judge_slo(slo_spec const& spec, slo_figures const& f);

}  // namespace webrtc_star::bench
