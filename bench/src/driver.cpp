#include "driver.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace webrtc_star::bench {

nlohmann::json setup_result::to_json() const {
    return {{"clients", clients},         {"joined", joined},
            {"seconds", seconds},         {"quiet_seconds", quiet_seconds},
            {"totals", totals.to_json()}, {"interrupted", interrupted},
            {"first_error", first_error}};
}

setup_result setup_result::from_json(nlohmann::json const& j) {
    setup_result r;
    r.clients = j.at("clients").get<std::size_t>();
    r.joined = j.at("joined").get<std::size_t>();
    r.seconds = j.at("seconds").get<double>();
    r.quiet_seconds = j.at("quiet_seconds").get<double>();
    r.totals = snapshot::from_json(j.at("totals"));
    r.interrupted = j.at("interrupted").get<bool>();
    r.first_error = j.at("first_error").get<std::string>();
    return r;
}

void setup_result::merge(setup_result const& o) {
    clients += o.clients;
    joined += o.joined;
    seconds = std::max(seconds, o.seconds);
    quiet_seconds = std::max(quiet_seconds, o.quiet_seconds);
    totals.merge(o.totals);
    interrupted = interrupted || o.interrupted;
    if (first_error.empty()) first_error = o.first_error;
}

nlohmann::json phase_result::to_json() const {
    auto tl = nlohmann::json::array();
    for (auto const& s : timeline) tl.push_back(s.to_json());
    return {{"target_rate", target_rate},
            {"seconds", seconds},
            {"delta", delta.to_json()},
            {"timeline", std::move(tl)},
            {"totals_after", totals_after.to_json()},
            {"interrupted", interrupted}};
}

phase_result phase_result::from_json(nlohmann::json const& j) {
    phase_result r;
    r.target_rate = j.at("target_rate").get<double>();
    r.seconds = j.at("seconds").get<double>();
    r.delta = snapshot::from_json(j.at("delta"));
    for (auto const& s : j.at("timeline")) r.timeline.push_back(snapshot::from_json(s));
    r.totals_after = snapshot::from_json(j.at("totals_after"));
    r.interrupted = j.at("interrupted").get<bool>();
    return r;
}

void phase_result::merge(phase_result const& o) {
    target_rate += o.target_rate;
    seconds = std::max(seconds, o.seconds);
    delta.merge(o.delta);
    totals_after.merge(o.totals_after);
    if (timeline.size() < o.timeline.size()) timeline.resize(o.timeline.size());
    for (std::size_t i = 0; i < o.timeline.size(); ++i) timeline[i].merge(o.timeline[i]);
    interrupted = interrupted || o.interrupted;
}

}  // namespace webrtc_star::bench
