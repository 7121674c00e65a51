#include "peer_id.hpp"

#include "protocol/peer_id.hpp"

namespace webrtc_star::bench {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

bool looks_like_ipv6(std::string_view host) { return host.find(':') != std::string_view::npos; }
bool looks_like_ipv4(std::string_view host) {
    return !host.empty() && host.find_first_not_of("0123456789.") == std::string_view::npos;
}

}  // namespace

std::string base58btc(std::string_view bytes) { return star::protocol::base58btc_encode(bytes); }

std::string peer_id_for(std::uint64_t index, std::uint64_t seed) {
    std::string mh;
    mh.reserve(34);
    mh.push_back(static_cast<char>(0x12));
    mh.push_back(static_cast<char>(0x20));
    // The first word is a bijection of the index, so ids never collide.
    std::uint64_t word = splitmix64(index ^ splitmix64(seed));
    for (int w = 0; w < 4; ++w) {
        for (int b = 7; b >= 0; --b) mh.push_back(static_cast<char>((word >> (b * 8)) & 0xff));
        word = splitmix64(word + static_cast<std::uint64_t>(w));
    }
    return star::protocol::base58btc_encode(mh);
}

std::string listen_multiaddr(std::string_view host, unsigned port, std::string_view peer_id, bool tls) {
    if (host == "localhost") host = "127.0.0.1";
    std::string out = looks_like_ipv6(host) ? "/ip6/" : looks_like_ipv4(host) ? "/ip4/" : "/dns4/";
    out.append(host);
    out.append("/tcp/").append(std::to_string(port));
    out.append(tls ? "/wss" : "/ws").append("/p2p-webrtc-star/p2p/").append(peer_id);
    return out;
}

}  // namespace webrtc_star::bench
