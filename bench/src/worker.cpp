#include "worker.hpp"

#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "engine.hpp"

namespace webrtc_star::bench {
namespace {

void emit(nlohmann::json const& j) { std::cout << j.dump() << '\n' << std::flush; }

}  // namespace

int run_worker(options const& cfg, server_addresses server) {
    engine e(cfg, std::move(server),
             [](std::string_view stage, double elapsed, snapshot const& totals, snapshot const&) {
                 emit({{"type", "tick"}, {"stage", stage}, {"elapsed", elapsed}, {"totals", totals.to_json()}});
             });
    auto setup = e.setup().to_json();
    setup["type"] = "setup";
    emit(setup);
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream in(line);
        std::string verb;
        in >> verb;
        if (verb == "quit") break;
        if (verb != "phase") continue;
        double rate = 0, seconds = 0;
        in >> rate >> seconds;
        auto phase = e.run_phase(rate, seconds).to_json();
        phase["type"] = "phase";
        emit(phase);
    }
    return 0;
}

}  // namespace webrtc_star::bench
