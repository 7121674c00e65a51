#include "protocol/star_address.hpp"

#include "protocol/peer_id.hpp"

#include <arpa/inet.h>

#include <array>

namespace star::protocol {
namespace {

bool valid_ip4(std::string const& v) {
    in_addr a{};
    return inet_pton(AF_INET, v.c_str(), &a) == 1;
}

bool valid_ip6(std::string const& v) {
    in6_addr a{};
    return inet_pton(AF_INET6, v.c_str(), &a) == 1;
}

bool valid_dns_name(std::string_view v) {
    if (v.empty() || v.size() > 253) return false;
    for (char c : v) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                  c == '_';
        if (!ok) return false;
    }
    return true;
}

bool valid_port(std::string_view v) {
    if (v.empty() || v.size() > 5) return false;
    unsigned n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return false;
        n = n * 10 + static_cast<unsigned>(c - '0');
    }
    return n <= 65535;
}

// A webrtc-star address has exactly eight components; any other count is refused, so they
// are split into a fixed array (one address is parsed per handshake, twice).
constexpr std::size_t star_components = 8;
struct components {
    std::array<std::string_view, star_components> part;
    std::size_t count = 0;  // star_components + 1: more than that
};

components split_components(std::string_view text) {
    components c;
    text.remove_prefix(1);  // leading '/'
    while (c.count <= star_components) {
        auto slash = text.find('/');
        if (c.count < star_components) c.part[c.count] = text.substr(0, slash);
        ++c.count;
        if (slash == std::string_view::npos) break;
        text.remove_prefix(slash + 1);
    }
    return c;
}

star_address_result refuse(std::string why) { return {std::nullopt, std::move(why)}; }

// The rules both parsers keep: the reason `text` is refused, or none (then `c` holds its parts).
std::optional<std::string> refusal(std::string_view text, components& c) {
    if (text.empty() || text.front() != '/') return "not a multiaddr (must start with '/')";
    if (text.size() > max_star_address_length) return "multiaddr is too long";
    c = split_components(text);
    auto const& parts = c.part;
    // host value tcp port ws|wss p2p-webrtc-star p2p|ipfs id
    if (c.count != star_components) {
        return "not a webrtc-star address: expected /<ip4|ip6|dns4|dns6|dns|dnsaddr>/<host>"
               "/tcp/<port>/<ws|wss>/p2p-webrtc-star/p2p/<peer id>";
    }
    std::string host(parts[1]);
    if (parts[0] == "ip4") {
        if (!valid_ip4(host)) return "invalid ip4 address '" + host + "'";
    } else if (parts[0] == "ip6") {
        if (!valid_ip6(host)) return "invalid ip6 address '" + host + "'";
    } else if (parts[0] == "dns4" || parts[0] == "dns6" || parts[0] == "dns" || parts[0] == "dnsaddr") {
        if (!valid_dns_name(host)) return "invalid dns name '" + host + "'";
    } else {
        return "unsupported host protocol '" + std::string(parts[0]) + "'";
    }
    if (parts[2] != "tcp" || !valid_port(parts[3])) return "expected /tcp/<port> after the host";
    if (parts[4] != "ws" && parts[4] != "wss") return "expected /ws or /wss after the port";
    if (parts[5] != "p2p-webrtc-star") return "expected /p2p-webrtc-star before the peer id";
    if (parts[6] != "p2p" && parts[6] != "ipfs") return "expected /p2p/<peer id> at the end";
    return std::nullopt;
}

}  // namespace

star_address_result parse_star_address(std::string_view text) {
    components c;
    if (auto why = refusal(text, c)) return refuse(std::move(*why));
    auto const& parts = c.part;
    auto key = peer_id_key(parts[7]);
    if (!key) return refuse("invalid peer id '" + std::string(parts[7].substr(0, 128)) + "'");

    star_address a;
    a.text = std::string(text);
    a.peer_id = std::string(parts[7]);
    a.prefix_length = text.size() - parts[7].size() - parts[6].size() - 2;
    a.key = std::move(*key);
    a.legacy_ipfs = parts[6] == "ipfs";
    return {std::move(a), {}};
}

std::optional<std::string> star_address_key(std::string_view text) {
    components c;
    if (refusal(text, c)) return std::nullopt;
    return peer_id_key(c.part[7]);
}

std::string address_for(star_address const& receiver, std::string_view peer_id) {
    std::string out;
    auto prefix = receiver.prefix();
    out.reserve(prefix.size() + peer_id.size() + 6);
    out += prefix;
    out += receiver.legacy_ipfs ? "/ipfs/" : "/p2p/";
    out += peer_id;
    return out;
}

}  // namespace star::protocol
