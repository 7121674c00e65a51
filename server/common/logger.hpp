#pragma once

#include <spdlog/spdlog.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

namespace star::server {

// The named logger of a layer ("main", "transport", "signalling", "http"), or the default one when
// logging was not set up (unit tests) or the name is not one of those. Looked up without a lock:
// spdlog::get takes the registry's mutex on every call, even with the level off, and the hub logs
// under its own lock. The loggers are created once, by setup_logging, before any other thread runs.
std::shared_ptr<spdlog::logger> const& logger_for(std::string_view name);

// A structured field of a log line: with --log-format json it is a member of the line's object
// (README, "Logs"); the text format leaves it out, since the message says it already. Keys are the
// ones in log_key, so that a shipper's queries can rely on them.
struct log_field {
    std::string_view key;
    std::string value;
};

namespace log_key {
inline constexpr std::string_view connection = "connection_id";  // the transport's session id
inline constexpr std::string_view client = "client_address";     // the client's IP address and port
inline constexpr std::string_view peer = "peer_id";              // a libp2p peer id
inline constexpr std::string_view server = "server_id";          // a federated server's id
inline constexpr std::string_view reason = "reason";             // why: a metric's reason label where one exists
}  // namespace log_key

using log_fields = std::initializer_list<log_field>;

namespace detail {
// The fields of the line being written on this thread, read by the JSON formatter (spdlog's loggers
// here are synchronous: the line is formatted on the calling thread, inside log()).
struct field_scope {
    explicit field_scope(log_field const* begin, std::size_t count);
    ~field_scope();
    field_scope(field_scope const&) = delete;
    field_scope& operator=(field_scope const&) = delete;
};
}  // namespace detail

// log->info("...", args) with fields: log_with(*log, spdlog::level::info, {{log_key::peer, id}}, "...", args).
template <class... Args>
void log_with(spdlog::logger& log, spdlog::level::level_enum level, log_fields fields,
              fmt::format_string<Args...> format, Args&&... args) {
    if (!log.should_log(level)) return;
    detail::field_scope scope(fields.begin(), fields.size());
    log.log(level, format, std::forward<Args>(args)...);
}

}  // namespace star::server
