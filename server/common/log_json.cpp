#include "log_json.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace star::server {
namespace {

thread_local log_field const* fields_begin = nullptr;
thread_local std::size_t fields_count = 0;

// The length of the valid UTF-8 sequence at s[i], or 0 (overlong forms, surrogates and code
// points above U+10FFFF are not valid).
std::size_t utf8_length(std::string_view s, std::size_t i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(i);
    std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || c > 0xF4 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
    unsigned char c1 = byte(i + 1);
    if (c == 0xE0 && c1 < 0xA0) return 0;   // overlong
    if (c == 0xED && c1 >= 0xA0) return 0;  // surrogate
    if (c == 0xF0 && c1 < 0x90) return 0;   // overlong
    if (c == 0xF4 && c1 >= 0x90) return 0;  // above U+10FFFF
    return n;
}

std::string_view level_name(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
            return "trace";
        case spdlog::level::debug:
            return "debug";
        case spdlog::level::info:
            return "info";
        case spdlog::level::warn:
            return "warn";
        case spdlog::level::err:
            return "error";
        case spdlog::level::critical:
            return "critical";
        default:
            return "off";
    }
}

// RFC 3339 in UTC with milliseconds: what Loki, Elasticsearch and cloud logging parse unaided.
void append_time(std::string& out, spdlog::log_clock::time_point t) {
    auto since = t.time_since_epoch();
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since - seconds).count();
    std::time_t tt = seconds.count();
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];  // room for any int the compiler cannot rule out
    std::snprintf(buf, sizeof buf, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    out += buf;
}

}  // namespace

namespace detail {
field_scope::field_scope(log_field const* begin, std::size_t count) {
    fields_begin = begin;
    fields_count = count;
}
field_scope::~field_scope() {
    fields_begin = nullptr;
    fields_count = 0;
}
}  // namespace detail

std::pair<log_field const*, std::size_t> current_log_fields() { return {fields_begin, fields_count}; }

void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            auto n = utf8_length(s, i);
            if (n == 0) {
                out += "\\ufffd";
                ++i;
            } else {
                out.append(s.substr(i, n));
                i += n;
            }
            continue;
        }
        if (c == '"') out += "\\\"";
        else if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else if (c < 0x20 || c == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else out += static_cast<char>(c);
        ++i;
    }
    out += '"';
}

void json_log_formatter::format(spdlog::details::log_msg const& msg, spdlog::memory_buf_t& dest) {
    std::string line;
    line.reserve(160 + msg.payload.size());
    line += "{\"time\":";
    append_time(line, msg.time);
    line += ",\"level\":\"";
    line += level_name(msg.level);
    line += "\",\"component\":";
    append_json_string(line, std::string_view(msg.logger_name.data(), msg.logger_name.size()));
    line += ",\"message\":";
    append_json_string(line, std::string_view(msg.payload.data(), msg.payload.size()));
    auto [fields, count] = current_log_fields();
    for (std::size_t i = 0; i < count; ++i) {
        line += ',';
        append_json_string(line, fields[i].key);
        line += ':';
        append_json_string(line, fields[i].value);
    }
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
}

std::unique_ptr<spdlog::formatter> json_log_formatter::clone() const { return std::make_unique<json_log_formatter>(); }

}  // namespace star::server
