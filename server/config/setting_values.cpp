#include "config/setting_values.hpp"

#include <array>
#include <charconv>
#include <stdexcept>

namespace star::server::setting_values {
namespace {

[[noreturn]] void expected(std::string const& what) { throw std::invalid_argument("expected " + what); }

}  // namespace

std::uint64_t parse_unsigned(std::string_view s, std::uint64_t min, std::uint64_t max) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) expected(range);
    if (v < min || v > max) expected(range);
    return v;
}

std::chrono::milliseconds parse_duration(std::string_view s) {
    double number = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), number);
    std::string what = "a duration such as 500ms, 10s or 2m";
    if (s.empty() || ec != std::errc{} || number < 0) expected(what);
    std::string_view unit(end, static_cast<std::size_t>(s.data() + s.size() - end));
    double ms;
    if (unit.empty() || unit == "ms") ms = number;
    else if (unit == "s") ms = number * 1000;
    else if (unit == "m") ms = number * 60'000;
    else if (unit == "h") ms = number * 3'600'000;
    else expected(what);
    if (ms > 1e12) expected(what);
    return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

std::uint64_t parse_size(std::string_view s) {
    std::size_t digits = 0;
    while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
    std::string what = "a size in bytes such as 1000000, 64KiB or 4MiB";
    if (digits == 0) expected(what);
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + digits, v);
    if (ec != std::errc{}) expected(what);
    std::string_view unit = s.substr(digits);
    std::uint64_t mult = 1;
    if (unit.empty() || unit == "B") mult = 1;
    else if (unit == "k" || unit == "kB" || unit == "KB") mult = 1000;
    else if (unit == "K" || unit == "KiB") mult = 1024;
    else if (unit == "M" || unit == "MB") mult = 1000 * 1000;
    else if (unit == "MiB") mult = 1024 * 1024;
    else if (unit == "GiB") mult = 1024ull * 1024 * 1024;
    else expected(what);
    if (v > (1ull << 40) / mult) expected(what);
    return v * mult;
}

std::string format_duration(std::chrono::milliseconds d) {
    auto ms = d.count();
    if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

std::string format_size(std::uint64_t bytes) {
    constexpr std::uint64_t kib = 1024, mib = 1024 * 1024;
    if (bytes != 0 && bytes % mib == 0) return std::to_string(bytes / mib) + "MiB";
    if (bytes != 0 && bytes % kib == 0) return std::to_string(bytes / kib) + "KiB";
    return std::to_string(bytes);
}

bool parse_bool(std::string_view s) {
    if (s == "true" || s == "1" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "0" || s == "no" || s == "off") return false;
    expected("true or false");
}

std::string parse_log_level(std::string_view s) {
    static constexpr std::array<std::string_view, 7> levels = {"trace", "debug",    "info", "warn",
                                                               "error", "critical", "off"};
    for (auto l : levels)
        if (s == l) return std::string(s);
    expected("one of trace, debug, info, warn, error, critical, off");
}

}  // namespace star::server::setting_values
