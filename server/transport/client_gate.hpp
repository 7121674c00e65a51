// The one owner of who a client is and what its address may open, for every transport
// (WebSocket, polling, the upgrade): the real address behind trusted proxies, the allow and deny
// lists (reloaded on SIGHUP), the allowed origins, the per-address limits; and each refusal's
// counter (webrtc_star_server_edge_refused_total, by reason) and throttled log line with the
// address. Thread-safe: the lists are an immutable snapshot swapped under a mutex; the limits
// table has its own.
#pragma once

#include "admission/address_limits.hpp"
#include "admission/cidr.hpp"
#include "admission/forwarded.hpp"
#include "admission/origin_policy.hpp"
#include "config/config.hpp"
#include "log_throttle.hpp"
#include "metrics/metrics.hpp"

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace star::server {

class client_gate {
public:
    using address = admission::ip_address;

    // Throws std::runtime_error when a list file cannot be read.
    client_gate(config const& cfg, metrics& m);

    bool trusted_proxy(address const& peer) const { return trusted_.contains(peer); }
    // The client of a request that came from `peer` (the socket's, or the PROXY header's).
    address resolve(address const& peer, std::string_view forwarded, std::string_view x_forwarded_for);

    // The deny/allow lists and the origin: "" when the request may go on, else the refusal's reason.
    std::string_view check(address const& client, std::string_view origin) const;
    bool allows_origin(std::string_view origin) const { return origins_.allows(origin); }
    bool any_origin() const { return origins_.any(); }
    // A new TCP connection from `peer`, before any byte of it is read: "" and its slot (none for a
    // trusted proxy), or the refusal's reason.
    std::string_view admit_socket(address const& peer, admission::address_limits::slot& out);
    // A new session: "" and its slot, or the refusal's reason.
    std::string_view admit_session(address const& client, admission::address_limits::slot& out);
    bool allow_join(address const& client);

    // Counts a refusal and logs it (throttled) with the client's address.
    void refused(std::string_view reason, std::string_view client, std::string_view what);
    // SIGHUP: re-reads the list files; on an error keeps the old lists and says why.
    std::string reload();

private:
    struct lists {
        admission::cidr_list allow, deny, allow_file, deny_file;
    };
    std::shared_ptr<lists const> snapshot() const;
    std::string key(address const& a) const;

    config const& cfg_;
    metrics& metrics_;
    admission::cidr_list trusted_;
    admission::origin_policy origins_;
    admission::address_limits limits_;
    mutable std::mutex lists_mutex_;
    std::shared_ptr<lists const> lists_;  // guarded by lists_mutex_; replaced whole on reload
    // One per reason: a flood of one kind of refusal does not hide the lines of another.
    std::array<log_throttle, decltype(metrics::edge_refused)::size> log_throttles_;
};

}  // namespace star::server
