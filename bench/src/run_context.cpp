#include "run_context.hpp"

#include "peer_id.hpp"

namespace webrtc_star::bench {
namespace {

std::vector<std::string> make_addrs(options const& o) {
    std::vector<std::string> out;
    out.reserve(o.joined_count());
    for (std::size_t i = 0; i < o.joined_count(); ++i) {
        auto const& t = o.target_of(i);
        out.push_back(listen_multiaddr(t.host, t.port, peer_id_for(i, o.seed), t.tls));
    }
    return out;
}

}  // namespace

run_context::run_context(options const& o, server_addresses addrs)
    : cfg(o),
      servers(std::move(addrs)),
      tls(o.any_tls() ? std::make_unique<tls_config>(o) : nullptr),
      joined_addrs(make_addrs(o)),
      messages(o.message_bytes, joined_addrs.empty() ? 90 : joined_addrs.front().size()) {
    for (auto const& a : o.source_addrs) sources.push_back(boost::asio::ip::make_address(a));
    for (auto const& t : o.targets) {
        host_headers.push_back(t.host_header());
        request_targets.push_back({t.request_target(3), t.request_target(4)});
    }
}

}  // namespace webrtc_star::bench
