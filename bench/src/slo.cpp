#include "slo.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace webrtc_star::bench {
namespace {

double parse_number(std::string const& text, std::size_t& used) {
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (std::exception const&) {
        used = 0;
    }
    if (used == 0 || !std::isfinite(v) || v < 0) throw std::invalid_argument("--slo: not a number: '" + text + "'");
    return v;
}

double parse_ms(std::string const& text) {
    std::size_t used = 0;
    double v = parse_number(text, used);
    auto unit = text.substr(used);
    if (unit == "ms" || unit.empty()) return v;
    if (unit == "us") return v / 1e3;
    if (unit == "s") return v * 1e3;
    throw std::invalid_argument("--slo: unknown time unit in '" + text + "' (use us, ms, s)");
}

double parse_ratio(std::string const& text) {
    std::size_t used = 0;
    double v = parse_number(text, used);
    auto unit = text.substr(used);
    if (unit == "%") v /= 100;
    else if (!unit.empty()) throw std::invalid_argument("--slo: errors take a ratio or a percentage: '" + text + "'");
    if (v > 1) throw std::invalid_argument("--slo: error ratio above 100%: '" + text + "'");
    return v;
}

void set_one(slo_spec& s, std::string const& key, std::string const& value) {
    if (key == "p50") s.p50_ms = parse_ms(value);
    else if (key == "p90") s.p90_ms = parse_ms(value);
    else if (key == "p99") s.p99_ms = parse_ms(value);
    else if (key == "p99.9" || key == "p99_9") s.p99_9_ms = parse_ms(value);
    else if (key == "connect_p99") s.connect_p99_ms = parse_ms(value);
    else if (key == "errors") s.error_ratio = parse_ratio(value);
    else if (key == "rate") {
        std::size_t used = 0;
        s.min_rate = parse_number(value, used);
        if (used != value.size() && value.substr(used) != "/s")
            throw std::invalid_argument("--slo: rate takes handshakes per second: '" + value + "'");
    } else
        throw std::invalid_argument("--slo: unknown objective '" + key +
                                    "' (p50, p90, p99, p99.9, connect_p99, errors, rate)");
}

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

slo_check at_most(std::string name, double limit, double actual, std::string const& unit) {
    bool ok = actual <= limit;
    auto text = name + " " + fmt(actual) + unit + " <= " + fmt(limit) + unit + ": " + (ok ? "ok" : "MISSED");
    return {std::move(name), limit, actual, ok, std::move(text)};
}

}  // namespace

slo_spec parse_slo(std::string const& text) {
    slo_spec s;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find(',', start);
        auto item = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
            throw std::invalid_argument("--slo: expected name=value, got '" + item + "'");
        set_one(s, item.substr(0, eq), item.substr(eq + 1));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    if (s.empty()) throw std::invalid_argument("--slo: no objective given");
    return s;
}

std::vector<slo_check> judge_slo(slo_spec const& s, slo_figures const& f) {
    std::vector<slo_check> out;
    if (s.p50_ms) out.push_back(at_most("p50", *s.p50_ms, f.p50_ms, " ms"));
    if (s.p90_ms) out.push_back(at_most("p90", *s.p90_ms, f.p90_ms, " ms"));
    if (s.p99_ms) out.push_back(at_most("p99", *s.p99_ms, f.p99_ms, " ms"));
    if (s.p99_9_ms) out.push_back(at_most("p99.9", *s.p99_9_ms, f.p99_9_ms, " ms"));
    if (s.connect_p99_ms) out.push_back(at_most("connect_p99", *s.connect_p99_ms, f.connect_p99_ms, " ms"));
    if (s.error_ratio) out.push_back(at_most("errors", *s.error_ratio * 100, f.error_ratio * 100, "%"));
    if (s.min_rate) {
        bool ok = f.rate >= *s.min_rate;
        out.push_back({"rate", *s.min_rate, f.rate, ok,
                       "rate " + fmt(f.rate) + "/s >= " + fmt(*s.min_rate) + "/s: " + (ok ? "ok" : "MISSED")});
    }
    return out;
}

}  // namespace webrtc_star::bench
