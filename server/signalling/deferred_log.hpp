// Log lines written by code under the hub's lock, which must not format or write them there
// (docs/ARCHITECTURE.md, "The hub's one lock"): they are queued, throttled per call site, and
// written by the hub once it has released the lock. Shared by the hub, the handshake router and
// the announcer; guarded by the hub's lock like them.
#pragma once

#include "log_throttle.hpp"
#include "logger.hpp"
#include "metrics/metrics.hpp"

#include <spdlog/spdlog.h>

#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace star::server {

class deferred_log {
public:
    using lines = std::vector<std::function<void()>>;

    deferred_log(std::shared_ptr<spdlog::logger> logger, metrics& m) : logger_(std::move(logger)), metrics_(m) {}

    bool enabled(spdlog::level::level_enum level) const { return logger_->should_log(level); }

    // A line clients can provoke: at most a few a second per `throttle`, formatted later.
    template <class... Args>
    void later(log_throttle& throttle, spdlog::level::level_enum level, fmt::format_string<Args...> format,
               Args... args) {
        later_with(throttle, level, {}, format, std::move(args)...);
    }
    // The same with structured fields (logger.hpp), written as JSON members with --log-format json.
    template <class... Args>
    void later_with(log_throttle& throttle, spdlog::level::level_enum level, std::vector<log_field> fields,
                    fmt::format_string<Args...> format, Args... args) {
        if (!logger_->should_log(level)) return;
        std::uint64_t suppressed = 0;
        if (!throttle.allow(suppressed)) {
            inc(metrics_.log_lines_suppressed);
            return;
        }
        lines_.push_back([log = logger_, level, format, suppressed, fields = std::move(fields), args...] {
            if (suppressed) log->log(level, "({} similar lines suppressed)", suppressed);
            detail::field_scope scope(fields.data(), fields.size());
            log->log(level, fmt::runtime(fmt::string_view(format)), args...);
        });
    }

    // What was queued since the last take(), to be written once the lock is released.
    lines take() { return std::exchange(lines_, {}); }
    static void write(lines const& queued) {
        for (auto const& line : queued) line();
    }

    log_throttle refusals, takeovers;
    log_throttle debug{1000};  // debug and trace lines, when enabled

private:
    std::shared_ptr<spdlog::logger> logger_;
    metrics& metrics_;
    lines lines_;
};

}  // namespace star::server
