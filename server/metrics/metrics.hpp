// Counters every layer updates and /metrics renders. Relaxed atomics: increments on the
// hot path cost one uncontended atomic add; the exposition does not need a snapshot.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace star::server {

using counter = std::atomic<std::uint64_t>;
using gauge = std::atomic<std::int64_t>;

// A counter family with one label whose values are known in advance.
template <std::size_t N> struct labelled_counter {
    std::array<std::string_view, N> labels;
    std::array<counter, N> values{};

    static constexpr std::size_t size = N;

    void inc(std::string_view label) { values[index_of(label)].fetch_add(1, std::memory_order_relaxed); }
    std::size_t index_of(std::string_view label) const {
        for (std::size_t i = 0; i < N; ++i)
            if (labels[i] == label) return i;
        return N - 1;  // last label is "other"
    }
    std::uint64_t get(std::string_view label) const {
        for (std::size_t i = 0; i < N; ++i)
            if (labels[i] == label) return values[i].load(std::memory_order_relaxed);
        return 0;
    }
};

class latency_histogram {
public:
    static constexpr std::array<double, 14> bounds = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                      0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1.0};
    void observe(std::chrono::nanoseconds d);
    void render(std::string& out, std::string_view name) const;

private:
    std::array<counter, bounds.size() + 1> buckets_{};
    counter sum_ns_{0};
    counter count_{0};
};

// How long the signalling hub's lock is held, by what held it. Holds are microseconds, so the
// buckets are finer than latency_histogram's; the mean (sum / count) bounds the rate one lock
// can serve on any number of cores (docs/ARCHITECTURE.md, "The hub's ceiling").
class hold_histogram {
public:
    enum op : std::size_t { join, leave, handshake, disconnect, other, ops };
    static constexpr std::array<std::string_view, ops> op_names = {"join", "leave", "handshake", "disconnect", "other"};
    static constexpr std::array<std::int64_t, 10> bounds_ns = {500,   1000,  2000,   5000,    10000,
                                                               20000, 50000, 100000, 1000000, 10000000};
    // Called under the hub's lock, so the adds never contend.
    void observe(op o, std::chrono::nanoseconds d);
    void render(std::string& out, std::string_view name) const;

private:
    struct one_op {
        std::array<counter, bounds_ns.size() + 1> buckets{};
        counter sum_ns{0};
        counter count{0};
    };
    std::array<one_op, ops> ops_{};
};

struct metrics {
    // The reference server's names, so existing dashboards keep working.
    gauge peers{0};
    counter joins_total{0}, joins_success{0}, joins_failure{0};
    counter dials_total{0}, dials_success{0}, dials_failure{0};

    gauge connections{0};
    counter connections_total{0}, connections_refused{0};
    counter frames_received{0}, frames_sent{0};
    counter slow_consumers{0}, takeovers{0}, heartbeat_timeouts{0};
    gauge buffered_bytes{0};       // the memory budget's use (transport/memory_budget.hpp)
    gauge memory_budget_bytes{0};  // --memory-budget, so that a dashboard can show the use against it
    counter budget_sheds{0}, frame_deadlines{0}, log_lines_suppressed{0};
    counter handshake_timeouts{0}, connect_timeouts{0};

    // The label lists stay packed as written (formatting would put each label on a line of its own).
    // clang-format off
    labelled_counter<28> dropped{{"bad_packet", "not_connected", "binary_unsupported", "unknown_event",
                                  "rate_limited", "handshake_not_object", "handshake_bad_src",
                                  "handshake_bad_dst", "handshake_bad_intent", "handshake_bad_signal",
                                  "handshake_bad_answer", "handshake_missing_field", "not_joined",
                                  "spoofed_src", "spoofed_dst", "unknown_intent", "peer_gone",
                                  "invalid_namespace", "bad_event", "leave_not_joined", "queue_full",
                                  "remote_spoofed", "remote_unknown_intent", "too_big", "ping_rate_limited",
                                  "receiver_rate_limited", "remote_mismatch", "other"}};
    // Sessions closed for a packet engine.io or socket.io would refuse (they close too).
    labelled_counter<9> protocol_errors{{"bad_engineio_packet", "bad_socketio_packet", "bad_payload",
                                         "binary_unsupported", "namespace_not_connected", "heartbeat_direction",
                                         "bad_polling_payload", "overlapping_request", "other"}};
    // Engine.IO sessions by transport: long-polling sessions opened, and how many upgraded.
    gauge polling_sessions{0};
    counter polling_sessions_total{0}, polling_upgrades_total{0};
    labelled_counter<5> joins_refused{{"invalid_address", "peer_id_taken", "claim_pending", "per_address", "other"}};

    // The edge (transport/client_gate.hpp): requests and joins refused for their client address
    // or origin, and connections refused for their PROXY protocol header. No address label: the
    // logs name the address, the counter only the reason.
    labelled_counter<10> edge_refused{{"denied", "origin", "sockets_per_address", "connections_per_address",
                                       "sessions_per_address", "joins_per_address", "address_table_full",
                                       "proxy_header", "untrusted_proxy", "other"}};
    counter forwarded_malformed{0};  // a trusted proxy's X-Forwarded-For/Forwarded we could not read
    latency_histogram forward_latency;
    hold_histogram hub_lock_hold;

    // Federation (zero with the memory backend).
    gauge remote_peers{0};
    gauge federation_degraded{0};
    counter federation_published{0}, federation_received{0}, federation_backend_errors{0}, federation_polls{0};
    labelled_counter<4> federation_signals{{"published", "received", "given_up", "other"}};
    labelled_counter<24> federation_dropped{{"refused_by_nwaku", "too_large", "not_json_object", "unsupported_version", "bad_type",
                                             "unknown_type", "bad_server_id", "bad_id", "bad_ts", "bad_peer_id",
                                             "bad_intent", "bad_answer", "bad_payload", "bad_peers",
                                             "missing_field", "own_echo", "duplicate", "not_for_us",
                                             "queue_full", "bad_message", "publish_failed", "bad_utf8", "untrusted_to",
                                             "other"}};
    // Envelopes and announcements refused by the federation's trust rules (server/federation/gate.hpp,
    // signalling/remote_peers.hpp): each is something a trusted server would not have sent.
    labelled_counter<19> federation_refused{{"old_version", "undecryptable", "unsigned", "bad_signature",
                                             "bad_envelope", "too_large", "unknown_key", "spoofed_from",
                                             "stale", "replayed", "not_for_us", "conflict", "over_quota",
                                             "remote_table_full", "untrusted_to", "bad_message",
                                             "no_trusted_key", "own_key", "other"}};
    // clang-format on
    latency_histogram federation_poll_latency;
    // The federation shell, whatever its engine: reconnections, how long the relay takes to acknowledge
    // a publish, and how old an envelope is when it arrives (its sender's clock, millisecond resolution).
    counter federation_reconnects{0};
    counter redis_failovers{0};  // the Redis backend moved to another master named by Sentinel
    latency_histogram federation_publish_latency, federation_crossing_latency;

    std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
    // The federation key's public half, for the status page: set by the waku backend before the
    // server serves, read-only after.
    std::string federation_public_key;

    // Prometheus text exposition format 0.0.4.
    std::string render() const;
};

inline void inc(counter& c) { c.fetch_add(1, std::memory_order_relaxed); }

}  // namespace star::server
