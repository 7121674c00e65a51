#include "run_context.hpp"

#include "peer_id.hpp"

namespace webrtc_star::bench {
namespace {

std::vector<std::string> make_addrs(options const& o)
{
    std::vector<std::string> out;
    out.reserve(o.joined_count());
    for (std::size_t i = 0; i < o.joined_count(); ++i)
        out.push_back(listen_multiaddr(o.host, o.port, peer_id_for(i, o.seed)));
    return out;
}

std::string host_header(options const& o)
{
    auto h = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
    return h + ":" + std::to_string(o.port);
}

} // namespace

run_context::run_context(options const& o, boost::asio::ip::tcp::endpoint ep)
    : cfg(o)
    , server(ep)
    , host_header(bench::host_header(o))
    , joined_addrs(make_addrs(o))
    , messages(o.message_bytes, joined_addrs.empty() ? 90 : joined_addrs.front().size())
{
    for (auto const& a : o.source_addrs)
        sources.push_back(boost::asio::ip::make_address(a));
}

} // namespace webrtc_star::bench
