#include "stats.hpp"

#include <nlohmann/json.hpp>

namespace webrtc_star::bench {
namespace {

constexpr std::array<std::string_view, counter_count> counter_names{"connects_started",
                                                                    "clients_ready",
                                                                    "clients_failed",
                                                                    "clients_dropped",
                                                                    "ws_open",
                                                                    "sio_connected",
                                                                    "joins_sent",
                                                                    "offers_sent",
                                                                    "answers_received",
                                                                    "offers_received",
                                                                    "answers_sent",
                                                                    "candidates_sent",
                                                                    "candidates_received",
                                                                    "ws_peer_received",
                                                                    "late_answers",
                                                                    "pings_answered",
                                                                    "frames_sent",
                                                                    "frames_received",
                                                                    "tls_handshakes",
                                                                    "eio3_connected",
                                                                    "cross_offers_sent",
                                                                    "cross_answers_received",
                                                                    "cross_not_available",
                                                                    "churn_leaves"};

constexpr std::array<std::string_view, error_count> error_names{
    "connect_refused",    "connect_timeout",   "connect_failed", "ws_handshake_failed", "sio_connect_error",
    "closed_by_server",   "read_failed",       "write_failed",   "send_queue_full",     "protocol",
    "peer_not_available", "handshake_timeout", "tls_failed"};

template <class Array> Array minus(Array const& a, Array const& b) {
    Array out{};
    for (std::size_t i = 0; i < a.size(); ++i) out[i] = a[i] >= b[i] ? a[i] - b[i] : 0;
    return out;
}

}  // namespace

std::string_view name_of(counter c) { return counter_names[static_cast<std::size_t>(c)]; }
std::string_view name_of(error_kind e) { return error_names[static_cast<std::size_t>(e)]; }

std::uint64_t snapshot::error_total() const {
    std::uint64_t n = 0;
    for (auto e : errors) n += e;
    return n;
}

snapshot snapshot::since(snapshot const& earlier) const {
    snapshot d;
    d.counters = minus(counters, earlier.counters);
    d.errors = minus(errors, earlier.errors);
    d.handshake_us = handshake_us.since(earlier.handshake_us);
    d.connect_us = connect_us.since(earlier.connect_us);
    d.tls_us = tls_us.since(earlier.tls_us);
    d.cross_handshake_us = cross_handshake_us.since(earlier.cross_handshake_us);
    return d;
}

void snapshot::merge(snapshot const& o) {
    for (std::size_t i = 0; i < counter_count; ++i) counters[i] += o.counters[i];
    for (std::size_t i = 0; i < error_count; ++i) errors[i] += o.errors[i];
    handshake_us.merge(o.handshake_us);
    connect_us.merge(o.connect_us);
    tls_us.merge(o.tls_us);
    cross_handshake_us.merge(o.cross_handshake_us);
}

nlohmann::json snapshot::to_json() const {
    nlohmann::json c = nlohmann::json::object();
    for (std::size_t i = 0; i < counter_count; ++i) c[std::string(counter_names[i])] = counters[i];
    nlohmann::json e = nlohmann::json::object();
    for (std::size_t i = 0; i < error_count; ++i) e[std::string(error_names[i])] = errors[i];
    return {{"counters", c},
            {"errors", e},
            {"handshake_us", handshake_us.to_json()},
            {"connect_us", connect_us.to_json()},
            {"tls_us", tls_us.to_json()},
            {"cross_handshake_us", cross_handshake_us.to_json()}};
}

snapshot snapshot::from_json(nlohmann::json const& j) {
    snapshot s;
    for (std::size_t i = 0; i < counter_count; ++i)
        s.counters[i] = j.at("counters").value(std::string(counter_names[i]), std::uint64_t{0});
    for (std::size_t i = 0; i < error_count; ++i)
        s.errors[i] = j.at("errors").value(std::string(error_names[i]), std::uint64_t{0});
    s.handshake_us = histogram::from_json(j.at("handshake_us"));
    s.connect_us = histogram::from_json(j.at("connect_us"));
    s.tls_us = histogram::from_json(j.at("tls_us"));
    s.cross_handshake_us = histogram::from_json(j.at("cross_handshake_us"));
    return s;
}

snapshot shard_stats::read() const {
    snapshot s;
    for (std::size_t i = 0; i < counter_count; ++i) s.counters[i] = counters_[i].load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < error_count; ++i) s.errors[i] = errors_[i].load(std::memory_order_relaxed);
    s.handshake_us = handshake_us_.read();
    s.connect_us = connect_us_.read();
    s.tls_us = tls_us_.read();
    s.cross_handshake_us = cross_handshake_us_.read();
    return s;
}

}  // namespace webrtc_star::bench
