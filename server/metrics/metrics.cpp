#include "metrics/metrics.hpp"

#include "metrics/process_stats.hpp"

#include <algorithm>
#include <cstdio>

namespace star::server {
namespace {

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

template <class T> void sample(std::string& out, std::string_view name, T value) {
    out += name;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
}

void sample_double(std::string& out, std::string_view name, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f", value);
    out += name;
    out += ' ';
    out += buf;
    out += '\n';
}

template <class T>
void one(std::string& out, std::string_view name, std::string_view type, std::string_view help, T value) {
    header(out, name, type, help);
    sample(out, name, value);
}

std::uint64_t get(counter const& c) { return c.load(std::memory_order_relaxed); }
std::int64_t get(gauge const& g) { return g.load(std::memory_order_relaxed); }

template <std::size_t N>
void family(std::string& out, std::string_view name, std::string_view label, std::string_view help,
            labelled_counter<N> const& c) {
    header(out, name, "counter", help);
    for (std::size_t i = 0; i < N; ++i) {
        out += name;
        out += '{';
        out += label;
        out += "=\"";
        out += c.labels[i];
        out += "\"} ";
        out += std::to_string(get(c.values[i]));
        out += '\n';
    }
}

}  // namespace

void latency_histogram::observe(std::chrono::nanoseconds d) {
    double seconds = std::chrono::duration<double>(d).count();
    std::size_t i = 0;
    while (i < bounds.size() && seconds > bounds[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(d.count() > 0 ? d.count() : 0), std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
}

void latency_histogram::render(std::string& out, std::string_view name) const {
    std::uint64_t cumulative = 0;
    char le[32];
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
        cumulative += get(buckets_[i]);
        if (i < bounds.size()) std::snprintf(le, sizeof le, "%g", bounds[i]);
        else std::snprintf(le, sizeof le, "+Inf");
        out += name;
        out += "_bucket{le=\"";
        out += le;
        out += "\"} ";
        out += std::to_string(cumulative);
        out += '\n';
    }
    sample_double(out, std::string(name) + "_sum", static_cast<double>(get(sum_ns_)) / 1e9);
    sample(out, std::string(name) + "_count", get(count_));
}

void hold_histogram::observe(op o, std::chrono::nanoseconds d) {
    auto& h = ops_[o];
    std::size_t i = 0;
    while (i < bounds_ns.size() && d.count() > bounds_ns[i]) ++i;
    h.buckets[i].fetch_add(1, std::memory_order_relaxed);
    h.sum_ns.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(d.count(), 0)), std::memory_order_relaxed);
    h.count.fetch_add(1, std::memory_order_relaxed);
}

void hold_histogram::render(std::string& out, std::string_view name) const {
    char line[160];
    for (std::size_t o = 0; o < ops; ++o) {
        auto const& h = ops_[o];
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i <= bounds_ns.size(); ++i) {
            cumulative += get(h.buckets[i]);
            char le[32];
            if (i < bounds_ns.size()) std::snprintf(le, sizeof le, "%g", static_cast<double>(bounds_ns[i]) / 1e9);
            else std::snprintf(le, sizeof le, "+Inf");
            std::snprintf(line, sizeof line, "%.*s_bucket{op=\"%.*s\",le=\"%s\"} %llu\n", static_cast<int>(name.size()),
                          name.data(), static_cast<int>(op_names[o].size()), op_names[o].data(), le,
                          static_cast<unsigned long long>(cumulative));
            out += line;
        }
        std::snprintf(line, sizeof line, "%.*s_sum{op=\"%.*s\"} %.9f\n%.*s_count{op=\"%.*s\"} %llu\n",
                      static_cast<int>(name.size()), name.data(), static_cast<int>(op_names[o].size()),
                      op_names[o].data(), static_cast<double>(get(h.sum_ns)) / 1e9, static_cast<int>(name.size()),
                      name.data(), static_cast<int>(op_names[o].size()), op_names[o].data(),
                      static_cast<unsigned long long>(get(h.count)));
        out += line;
    }
}

std::string metrics::render() const {
    std::string out;
    out.reserve(8192);
    one(out, "webrtc_star_peers", "gauge", "peers online now", get(peers));
    one(out, "webrtc_star_joins_total", "counter", "all joins since server started", get(joins_total));
    one(out, "webrtc_star_joins_total_success", "counter", "successfully completed joins since server started",
        get(joins_success));
    one(out, "webrtc_star_joins_total_failure", "counter", "failed joins since server started", get(joins_failure));
    one(out, "webrtc_star_dials_total", "counter", "all dials since server started", get(dials_total));
    one(out, "webrtc_star_dials_total_success", "counter", "successfully completed dials since server started",
        get(dials_success));
    one(out, "webrtc_star_dials_total_failure", "counter", "failed dials since server started", get(dials_failure));

    one(out, "webrtc_star_server_connections", "gauge", "open Engine.IO connections", get(connections));
    one(out, "webrtc_star_server_connections_total", "counter", "Engine.IO connections opened since start",
        get(connections_total));
    one(out, "webrtc_star_server_connections_refused_total", "counter",
        "connections refused because --max-connections was reached", get(connections_refused));
    one(out, "webrtc_star_server_frames_received_total", "counter",
        "Engine.IO packets received from clients, whatever the transport", get(frames_received));
    one(out, "webrtc_star_server_frames_sent_total", "counter",
        "Engine.IO packets written to clients, whatever the transport", get(frames_sent));
    one(out, "webrtc_star_server_slow_consumers_total", "counter",
        "clients disconnected because more than --max-queued-bytes waited for them", get(slow_consumers));
    one(out, "webrtc_star_server_takeovers_total", "counter",
        "peer ids taken over from a holder that did not answer a ping", get(takeovers));
    one(out, "webrtc_star_server_heartbeat_timeouts_total", "counter",
        "clients disconnected for missing Engine.IO heartbeats", get(heartbeat_timeouts));
    one(out, "webrtc_star_server_polling_sessions", "gauge", "open Engine.IO sessions that started by long-polling",
        get(polling_sessions));
    one(out, "webrtc_star_server_polling_sessions_total", "counter",
        "Engine.IO sessions opened by long-polling since start", get(polling_sessions_total));
    one(out, "webrtc_star_server_polling_upgrades_total", "counter",
        "long-polling sessions upgraded to WebSocket since start", get(polling_upgrades_total));
    one(out, "webrtc_star_server_buffered_bytes", "gauge",
        "bytes buffered for clients (partial frames, queued sends, TLS handshakes), against --memory-budget",
        get(buffered_bytes));
    one(out, "webrtc_star_server_memory_budget_bytes", "gauge",
        "--memory-budget: the most bytes buffered for clients (0: none)", get(memory_budget_bytes));
    one(out, "webrtc_star_server_memory_budget_shed_total", "counter",
        "connections dropped because --memory-budget was spent and they held the most", get(budget_sheds));
    one(out, "webrtc_star_server_frame_deadlines_total", "counter",
        "connections dropped because a message did not arrive at --min-receive-rate", get(frame_deadlines));
    one(out, "webrtc_star_server_handshake_timeouts_total", "counter",
        "connections closed because their WebSocket (or TLS) handshake took longer than --handshake-timeout",
        get(handshake_timeouts));
    one(out, "webrtc_star_server_connect_timeouts_total", "counter",
        "connections closed because no Socket.IO CONNECT came within --connect-timeout", get(connect_timeouts));
    one(out, "webrtc_star_server_log_lines_suppressed_total", "counter",
        "log lines clients provoked that were not written (rate-limited)", get(log_lines_suppressed));
    family(out, "webrtc_star_server_messages_dropped_total", "reason",
           "client messages dropped without being acted on, by reason", dropped);
    family(out, "webrtc_star_server_protocol_errors_total", "reason",
           "sessions closed for a packet that is not valid Engine.IO or Socket.IO, by reason", protocol_errors);
    family(out, "webrtc_star_server_joins_refused_total", "reason", "ss-join requests refused, by reason",
           joins_refused);
    family(out, "webrtc_star_server_edge_refused_total", "reason",
           "sessions, upgrades, joins and connections refused for their client address, origin or PROXY header, "
           "by reason",
           edge_refused);
    one(out, "webrtc_star_server_forwarded_malformed_total", "counter",
        "X-Forwarded-For or Forwarded headers from a trusted proxy that could not be read (the proxy's address "
        "was used)",
        get(forwarded_malformed));
    header(out, "webrtc_star_server_forward_latency_seconds", "histogram",
           "time from receiving a handshake message to writing it to its recipient");
    forward_latency.render(out, "webrtc_star_server_forward_latency_seconds");
    header(out, "webrtc_star_server_hub_lock_hold_seconds", "histogram",
           "how long the signalling hub's lock was held, by what held it (join, leave, handshake, "
           "disconnect, other: timers and federation)");
    hub_lock_hold.render(out, "webrtc_star_server_hub_lock_hold_seconds");

    one(out, "webrtc_star_server_remote_peers", "gauge", "peers joined on other federated servers", get(remote_peers));
    one(out, "webrtc_star_server_federation_degraded", "gauge",
        "1 while the federation backend cannot reach its relay (e.g. nwaku), else 0", get(federation_degraded));
    one(out, "webrtc_star_server_federation_envelopes_published_total", "counter",
        "envelopes this server published to other servers", get(federation_published));
    one(out, "webrtc_star_server_federation_envelopes_received_total", "counter",
        "valid envelopes received from other servers", get(federation_received));
    one(out, "webrtc_star_server_federation_backend_errors_total", "counter",
        "failed requests to the federation relay (e.g. nwaku REST)", get(federation_backend_errors));
    one(out, "webrtc_star_server_federation_polls_total", "counter",
        "polls of the federation relay (GET requests to nwaku)", get(federation_polls));
    family(out, "webrtc_star_server_federation_signals_total", "outcome",
           "cross-server handshake messages: published, received, and given up on (the offer's sender was told "
           "'peer is not available')",
           federation_signals);
    family(out, "webrtc_star_server_federation_envelopes_dropped_total", "reason", "envelopes dropped, by reason",
           federation_dropped);
    family(out, "webrtc_star_server_federation_refused_total", "reason",
           "federation envelopes and announcements refused: not signed by a trusted key, spoofed, stale, "
           "replayed, or over a server's share of the remote peer table",
           federation_refused);
    header(out, "webrtc_star_server_federation_poll_latency_seconds", "histogram",
           "duration of one poll of the federation relay");
    federation_poll_latency.render(out, "webrtc_star_server_federation_poll_latency_seconds");
    one(out, "webrtc_star_server_federation_reconnects_total", "counter",
        "times the federation backend lost its relay (e.g. Redis) and began to reconnect", get(federation_reconnects));
    one(out, "webrtc_star_server_redis_failovers_total", "counter",
        "times the Redis backend moved to another master named by Sentinel (a failover followed)",
        get(redis_failovers));
    header(out, "webrtc_star_server_federation_publish_latency_seconds", "histogram",
           "time the relay took to acknowledge one published envelope (Redis PUBLISH, nwaku's REST publish)");
    federation_publish_latency.render(out, "webrtc_star_server_federation_publish_latency_seconds");
    header(out, "webrtc_star_server_federation_crossing_latency_seconds", "histogram",
           "age of a received envelope: receipt time less its sender's timestamp (millisecond resolution; "
           "assumes synchronised clocks)");
    federation_crossing_latency.render(out, "webrtc_star_server_federation_crossing_latency_seconds");

    auto p = read_process_stats();
    one(out, "process_resident_memory_bytes", "gauge", "resident memory size in bytes", p.resident_bytes);
    one(out, "process_virtual_memory_bytes", "gauge", "virtual memory size in bytes", p.virtual_bytes);
    one(out, "process_open_fds", "gauge", "number of open file descriptors", p.open_fds);
    one(out, "process_max_fds", "gauge", "maximum number of open file descriptors", p.max_fds);
    header(out, "process_cpu_seconds_total", "counter", "user and system CPU time spent in seconds");
    sample_double(out, "process_cpu_seconds_total", p.cpu_seconds);
    header(out, "process_start_time_seconds", "gauge", "start time of the process since unix epoch in seconds");
    sample(out, "process_start_time_seconds",
           std::chrono::duration_cast<std::chrono::seconds>(started.time_since_epoch()).count());
    return out;
}

}  // namespace star::server
