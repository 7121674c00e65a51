#include "transport/client_gate.hpp"

#include "logger.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace star::server {
namespace {

admission::cidr_list read_list_file(std::string const& path) {
    if (path.empty()) return {};
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read '" + path + "'");
    std::ostringstream text;
    text << in.rdbuf();
    try {
        return admission::parse_cidr_list(text.str());
    } catch (std::invalid_argument const& e) {
        throw std::runtime_error(path + ": " + e.what());
    }
}

// A session holds at most two sockets at once (a polling session's long poll beside its send, or
// the WebSocket it upgrades to), so twice the sessions an address may hold is the sockets it may
// hold: enough for any client it admits, and no more file descriptors than that for one that only
// connects and never speaks.
admission::address_limit_settings limit_settings(config const& cfg) {
    admission::address_limit_settings s;
    s.connections = cfg.max_connections_per_address;
    s.sockets = 2 * cfg.max_connections_per_address;
    s.sessions = cfg.max_sessions_per_address;
    s.joins = cfg.max_joins_per_address;
    s.interval = cfg.address_interval;
    s.max_addresses = cfg.max_addresses;
    return s;
}

}  // namespace

client_gate::client_gate(config const& cfg, metrics& m)
    : cfg_(cfg),
      metrics_(m),
      trusted_(admission::parse_cidr_list(cfg.trusted_proxies)),
      origins_(cfg.allowed_origins, cfg.require_origin),
      limits_(limit_settings(cfg)),
      lists_(std::make_shared<lists const>(
          lists{admission::parse_cidr_list(cfg.allow_from), admission::parse_cidr_list(cfg.deny_from),
                read_list_file(cfg.allow_from_file), read_list_file(cfg.deny_from_file)})) {}

client_gate::address client_gate::resolve(address const& peer, std::string_view forwarded,
                                          std::string_view x_forwarded_for) {
    auto r = admission::resolve_client(peer, forwarded, x_forwarded_for, trusted_);
    if (r.malformed) {
        inc(metrics_.forwarded_malformed);
        refused("forwarded_malformed", r.address.to_string(), "unreadable X-Forwarded-For/Forwarded, proxy used");
    }
    return r.address;
}

std::shared_ptr<client_gate::lists const> client_gate::snapshot() const {
    std::lock_guard lock(lists_mutex_);
    return lists_;
}

std::string_view client_gate::check(address const& client, std::string_view origin) const {
    auto l = snapshot();
    if (l->deny.contains(client) || l->deny_file.contains(client)) return "denied";
    bool restricted = !l->allow.empty() || !l->allow_file.empty();
    if (restricted && !l->allow.contains(client) && !l->allow_file.contains(client)) return "denied";
    if (!origins_.allows(origin)) return "origin";
    return {};
}

std::string client_gate::key(address const& a) const {
    return admission::aggregation_key(a, cfg_.address_prefix_v4, cfg_.address_prefix_v6);
}

namespace {
// The refusal as the edge_refused label (and log reason) names it.
std::string_view reason_of(admission::refusal r) {
    switch (r) {
        case admission::refusal::none:
            return {};
        case admission::refusal::sockets:
            return "sockets_per_address";
        case admission::refusal::connections:
            return "connections_per_address";
        case admission::refusal::sessions:
            return "sessions_per_address";
        case admission::refusal::joins:
            return "joins_per_address";
        case admission::refusal::table_full:
            return "address_table_full";
    }
    return "other";
}
}  // namespace

std::string_view client_gate::admit_socket(address const& peer, admission::address_limits::slot& out) {
    if (trusted_proxy(peer)) return {};  // its clients are counted per session, by their real address
    return reason_of(limits_.admit_socket(key(peer), std::chrono::steady_clock::now(), out));
}

std::string_view client_gate::admit_session(address const& client, admission::address_limits::slot& out) {
    return reason_of(limits_.admit_session(key(client), std::chrono::steady_clock::now(), out));
}

bool client_gate::allow_join(address const& client) {
    return limits_.allow_join(key(client), std::chrono::steady_clock::now());
}

void client_gate::refused(std::string_view reason, std::string_view client, std::string_view what) {
    if (reason != "forwarded_malformed") metrics_.edge_refused.inc(reason);
    std::uint64_t suppressed = 0;
    if (!log_throttles_[metrics_.edge_refused.index_of(reason)].allow(suppressed)) return;
    auto log = logger_for("transport");
    log_with(*log, spdlog::level::info,
             {{log_key::client, std::string(client)}, {log_key::reason, std::string(reason)}}, "client {}: {} ({}){}",
             client, what, reason,
             suppressed ? " (" + std::to_string(suppressed) + " similar lines suppressed)" : std::string());
}

std::string client_gate::reload() {
    try {
        auto fresh = std::make_shared<lists const>(
            lists{admission::parse_cidr_list(cfg_.allow_from), admission::parse_cidr_list(cfg_.deny_from),
                  read_list_file(cfg_.allow_from_file), read_list_file(cfg_.deny_from_file)});
        std::lock_guard lock(lists_mutex_);
        lists_ = std::move(fresh);
        return {};
    } catch (std::exception const& e) {
        return e.what();
    }
}

}  // namespace star::server
