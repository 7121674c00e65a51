// The --log-format json line: one JSON object per line with the time, level, component (the
// logger's name), message and the structured fields the call site passed (logger.hpp). Every
// string is escaped for JSON, whatever a client put in it: control characters as \u00XX and
// bytes that are not UTF-8 as U+FFFD, so that each line parses.
#pragma once

#include "logger.hpp"

#include <spdlog/formatter.h>

#include <string>
#include <string_view>

namespace star::server {

// Appends `s` to `out` as a JSON string, quotes included.
void append_json_string(std::string& out, std::string_view s);

// The fields set by log_with on this thread, or none.
std::pair<log_field const*, std::size_t> current_log_fields();

class json_log_formatter final : public spdlog::formatter {
public:
    void format(spdlog::details::log_msg const& msg, spdlog::memory_buf_t& dest) override;
    std::unique_ptr<spdlog::formatter> clone() const override;
};

}  // namespace star::server
