#include "admission/forwarded.hpp"

#include <vector>

namespace star::server::admission {
namespace {

constexpr std::size_t max_hops = 32;  // a longer chain is not one our proxies wrote

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    while (true) {
        auto at = s.find(sep);
        out.push_back(trim(s.substr(0, at)));
        if (at == std::string_view::npos) return out;
        s.remove_prefix(at + 1);
    }
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
    return true;
}

// One Forwarded element ("for=...;proto=https;by=..."): its for= node, unquoted.
std::optional<std::string_view> forwarded_for(std::string_view element) {
    for (auto pair : split(element, ';')) {
        auto eq = pair.find('=');
        if (eq == std::string_view::npos) return std::nullopt;
        if (!iequals(trim(pair.substr(0, eq)), "for")) continue;
        auto value = trim(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
        return value;
    }
    return std::nullopt;
}

// The hops a header lists, left (the client) to right (the proxy before ours); nullopt if unreadable.
std::optional<std::vector<ip_address>> hops(std::string_view forwarded, std::string_view xff) {
    bool rfc7239 = !trim(forwarded).empty();
    auto items = split(rfc7239 ? forwarded : xff, ',');
    if (items.size() > max_hops) return std::nullopt;
    std::vector<ip_address> out;
    for (auto item : items) {
        std::optional<std::string_view> node = item;
        if (rfc7239) node = forwarded_for(item);
        if (!node) return std::nullopt;
        auto a = parse_address(*node);
        if (!a) return std::nullopt;  // also "unknown" and "_obfuscated": no address to limit
        out.push_back(*a);
    }
    return out;
}

}  // namespace

resolved_client resolve_client(ip_address const& peer, std::string_view forwarded, std::string_view x_forwarded_for,
                               cidr_list const& trusted_proxies) {
    auto socket_peer = normalise(peer);
    if (!trusted_proxies.contains(socket_peer)) return {socket_peer};
    if (trim(forwarded).empty() && trim(x_forwarded_for).empty()) return {socket_peer};
    auto chain = hops(forwarded, x_forwarded_for);
    if (!chain) return {socket_peer, false, true};
    // From the right: each trusted hop vouches for the one to its left.
    for (auto it = chain->rbegin(); it != chain->rend(); ++it)
        if (!trusted_proxies.contains(*it) || std::next(it) == chain->rend()) return {*it, true};
    return {socket_peer};
}

}  // namespace star::server::admission
