#pragma once
// What the bench counts. Each shard (thread) owns one `shard_stats` and is its
// only writer; the control thread reads them every second into `snapshot`s,
// which are plain values that can be subtracted, merged and sent as JSON.

#include <array>
#include <cstdint>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "histogram.hpp"

namespace webrtc_star::bench {

enum class counter : std::size_t {
    connects_started,
    clients_ready,    // reached their set-up goal (joined, or connected if not joining)
    clients_failed,   // gave up before being ready
    clients_dropped,  // lost after being ready
    ws_open,          // WebSocket upgrade done
    sio_connected,    // "40" received
    joins_sent,       // ss-join written
    offers_sent,
    answers_received,  // handshake completed (latency recorded)
    offers_received,
    answers_sent,
    candidates_sent,
    candidates_received,
    ws_peer_received,
    late_answers,  // for handshakes already given up on
    pings_answered,
    frames_sent,
    frames_received,
    tls_handshakes,     // TLS sessions established (wss:// targets)
    eio3_connected,     // of sio_connected, clients speaking Engine.IO 3
    cross_offers_sent,  // offers to a peer joined on another --url
    cross_answers_received,
    cross_not_available,  // of peer_not_available, for cross-server offers
    churn_leaves,         // clients closed by the churn scenario (and replaced)
    count_
};

enum class error_kind : std::size_t {
    connect_refused,
    connect_timeout,
    connect_failed,
    ws_handshake_failed,
    sio_connect_error,
    closed_by_server,
    read_failed,
    write_failed,
    send_queue_full,
    protocol,
    peer_not_available,
    handshake_timeout,
    tls_failed,  // TLS handshake failed (certificate, protocol)
    count_
};

constexpr std::size_t counter_count = static_cast<std::size_t>(counter::count_);
constexpr std::size_t error_count = static_cast<std::size_t>(error_kind::count_);

std::string_view name_of(counter c);
std::string_view name_of(error_kind e);

struct snapshot {
    std::array<std::uint64_t, counter_count> counters{};
    std::array<std::uint64_t, error_count> errors{};
    histogram handshake_us;        // offer written -> answer read
    histogram connect_us;          // connect start -> "40" read
    histogram tls_us;              // TCP connected -> TLS session established
    histogram cross_handshake_us;  // handshake_us of offers between servers (also in handshake_us)

    std::uint64_t operator[](counter c) const { return counters[static_cast<std::size_t>(c)]; }
    std::uint64_t operator[](error_kind e) const { return errors[static_cast<std::size_t>(e)]; }
    std::uint64_t error_total() const;
    snapshot since(snapshot const& earlier) const;
    void merge(snapshot const& other);

    nlohmann::json to_json() const;  // full, for worker -> coordinator
    static snapshot from_json(nlohmann::json const& j);
};

class shard_stats {
public:
    void add(counter c, std::uint64_t n = 1) { bump(counters_[static_cast<std::size_t>(c)], n); }
    void add(error_kind e, std::uint64_t n = 1) { bump(errors_[static_cast<std::size_t>(e)], n); }
    void handshake_done(std::uint64_t us) { handshake_us_.record(us); }
    void connect_done(std::uint64_t us) { connect_us_.record(us); }
    void tls_done(std::uint64_t us) { tls_us_.record(us); }
    void cross_handshake_done(std::uint64_t us) { cross_handshake_us_.record(us); }
    std::uint64_t get(counter c) const {
        return counters_[static_cast<std::size_t>(c)].load(std::memory_order_relaxed);
    }

    snapshot read() const;

private:
    static void bump(std::atomic<std::uint64_t>& a, std::uint64_t by) {
        a.store(a.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
    }
    std::array<std::atomic<std::uint64_t>, counter_count> counters_{};
    std::array<std::atomic<std::uint64_t>, error_count> errors_{};
    atomic_histogram handshake_us_;
    atomic_histogram connect_us_;
    atomic_histogram tls_us_;
    atomic_histogram cross_handshake_us_;
};

}  // namespace webrtc_star::bench
