// Client addresses as the admission layer sees them: IPv4-mapped IPv6 folded to IPv4, CIDR
// ranges parsed and matched, and the key per-address limits count under (a /32 for IPv4, a /64
// for IPv6 by default: one host gets a whole /64 from its provider). Pure functions over
// boost::asio addresses; no I/O.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace star::server::admission {

using ip_address = boost::asio::ip::address;

// ::ffff:a.b.c.d is a.b.c.d: a dual-stack listener sees IPv4 clients so.
ip_address normalise(ip_address const& a);

// An address, bare or as the PROXY protocol / Forwarded write it ("[v6]:port", "v4:port").
std::optional<ip_address> parse_address(std::string_view text);

struct cidr {
    ip_address network;  // normalised, host bits cleared
    unsigned prefix = 0;
    bool contains(ip_address const& a) const;
    std::string text() const;
};

// "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128).
std::optional<cidr> parse_cidr(std::string_view text);

class cidr_list {
public:
    cidr_list() = default;
    explicit cidr_list(std::vector<cidr> ranges) : ranges_(std::move(ranges)) {}
    bool contains(ip_address const& a) const;
    bool empty() const { return ranges_.empty(); }
    std::size_t size() const { return ranges_.size(); }

private:
    std::vector<cidr> ranges_;
};

// Comma- or whitespace-separated ranges; '#' starts a comment to the end of its line (files).
// Throws std::invalid_argument naming the first range it cannot read.
cidr_list parse_cidr_list(std::string_view text);

// What per-address limits count under: the address with the bits past the prefix cleared.
std::string aggregation_key(ip_address const& a, unsigned v4_prefix = 32, unsigned v6_prefix = 64);

}  // namespace star::server::admission
