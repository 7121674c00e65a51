#include "peer_id.hpp"

#include <algorithm>
#include <vector>

namespace webrtc_star::bench {
namespace {

constexpr char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

std::uint64_t splitmix64(std::uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

bool looks_like_ipv6(std::string_view host) { return host.find(':') != std::string_view::npos; }

} // namespace

std::string base58btc(std::string_view bytes)
{
    std::size_t zeros = 0;
    while (zeros < bytes.size() && bytes[zeros] == 0)
        ++zeros;
    std::vector<unsigned char> digits; // little-endian base 58
    digits.reserve(bytes.size() * 138 / 100 + 1);
    for (auto i = zeros; i < bytes.size(); ++i) {
        unsigned carry = static_cast<unsigned char>(bytes[i]);
        for (auto& d : digits) {
            carry += static_cast<unsigned>(d) << 8;
            d = static_cast<unsigned char>(carry % 58);
            carry /= 58;
        }
        while (carry > 0) {
            digits.push_back(static_cast<unsigned char>(carry % 58));
            carry /= 58;
        }
    }
    std::string out(zeros, '1');
    for (auto it = digits.rbegin(); it != digits.rend(); ++it)
        out.push_back(alphabet[*it]);
    return out;
}

std::string peer_id_for(std::uint64_t index, std::uint64_t seed)
{
    std::string mh;
    mh.reserve(34);
    mh.push_back(static_cast<char>(0x12));
    mh.push_back(static_cast<char>(0x20));
    // The first word is a bijection of the index, so ids never collide.
    std::uint64_t word = splitmix64(index ^ splitmix64(seed));
    for (int w = 0; w < 4; ++w) {
        for (int b = 7; b >= 0; --b)
            mh.push_back(static_cast<char>((word >> (b * 8)) & 0xff));
        word = splitmix64(word + static_cast<std::uint64_t>(w));
    }
    return base58btc(mh);
}

std::string listen_multiaddr(std::string_view host, unsigned port, std::string_view peer_id)
{
    std::string out = looks_like_ipv6(host) ? "/ip6/" : "/ip4/";
    if (host == "localhost")
        host = "127.0.0.1";
    out.append(host);
    out.append("/tcp/").append(std::to_string(port));
    out.append("/ws/p2p-webrtc-star/p2p/").append(peer_id);
    return out;
}

} // namespace webrtc_star::bench
