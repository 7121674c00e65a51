// Parsers for the values settings take; each throws std::invalid_argument saying what it expected.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace star::server::setting_values {

std::uint64_t parse_unsigned(std::string_view s, std::uint64_t min, std::uint64_t max);
// "10s", "500ms", "2m", "1.5s"; a bare number is milliseconds.
std::chrono::milliseconds parse_duration(std::string_view s);
// "1000000", "64KiB", "4MiB", "1MB", "16k".
std::uint64_t parse_size(std::string_view s);
bool parse_bool(std::string_view s);

// The other way, for --help's defaults: what parse_duration and parse_size read back unchanged,
// in the largest whole unit ("25s", "100ms"; "4MiB", "64KiB", "1000000").
std::string format_duration(std::chrono::milliseconds d);
std::string format_size(std::uint64_t bytes);
std::string parse_log_level(std::string_view s);

}  // namespace star::server::setting_values
