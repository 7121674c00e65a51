#include "admission/cidr.hpp"

#include <charconv>
#include <stdexcept>

namespace star::server::admission {
namespace ip = boost::asio::ip;

namespace {

template <class Bytes> void clear_host_bits(Bytes& bytes, unsigned prefix) {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        unsigned first_bit = static_cast<unsigned>(i) * 8;
        if (prefix >= first_bit + 8) continue;
        unsigned keep = prefix > first_bit ? prefix - first_bit : 0;
        bytes[i] &= static_cast<unsigned char>(0xff00u >> keep);
    }
}

ip_address masked(ip_address const& a, unsigned prefix) {
    if (a.is_v4()) {
        auto bytes = a.to_v4().to_bytes();
        clear_host_bits(bytes, prefix);
        return ip::address_v4(bytes);
    }
    auto bytes = a.to_v6().to_bytes();
    clear_host_bits(bytes, prefix);
    return ip::address_v6(bytes);
}

std::optional<ip_address> bare_address(std::string_view text) {
    boost::system::error_code ec;
    auto a = ip::make_address(std::string(text), ec);
    if (ec) return std::nullopt;
    if (a.is_v6() && a.to_v6().scope_id() != 0) return std::nullopt;
    return normalise(a);
}

}  // namespace

ip_address normalise(ip_address const& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
    return a;
}

std::optional<ip_address> parse_address(std::string_view text) {
    if (text.size() > 64) return std::nullopt;
    if (!text.empty() && text.front() == '[') {  // [v6] or [v6]:port
        auto close = text.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        auto rest = text.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') return std::nullopt;
        auto a = bare_address(text.substr(1, close - 1));
        if (!a || !a->is_v6()) return std::nullopt;
        return a;
    }
    if (auto colon = text.find(':'); colon != std::string_view::npos && text.find(':', colon + 1) == text.npos) {
        text = text.substr(0, colon);  // v4:port
        auto a = bare_address(text);
        if (!a || !a->is_v4()) return std::nullopt;
        return a;
    }
    return bare_address(text);
}

bool cidr::contains(ip_address const& a) const {
    auto n = normalise(a);
    if (n.is_v4() != network.is_v4()) return false;
    return masked(n, prefix) == network;
}

std::string cidr::text() const { return network.to_string() + "/" + std::to_string(prefix); }

std::optional<cidr> parse_cidr(std::string_view text) {
    auto slash = text.find('/');
    auto a = bare_address(text.substr(0, slash));
    if (!a) return std::nullopt;
    bool written_v6 = text.substr(0, slash).find(':') != std::string_view::npos;
    unsigned max = written_v6 ? 128 : 32;
    unsigned prefix = a->is_v4() ? 32 : 128;
    if (slash != std::string_view::npos) {
        auto digits = text.substr(slash + 1);
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
        if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || prefix > max)
            return std::nullopt;
        // ::ffff:10.0.0.0/104 is 10.0.0.0/8
        if (written_v6 && a->is_v4()) {
            if (prefix < 96) return std::nullopt;
            prefix -= 96;
        }
    }
    return cidr{masked(*a, prefix), prefix};
}

bool cidr_list::contains(ip_address const& a) const {
    for (auto const& r : ranges_)
        if (r.contains(a)) return true;
    return false;
}

cidr_list parse_cidr_list(std::string_view text) {
    std::vector<cidr> ranges;
    std::size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if (c == '#') {
            i = text.find('\n', i);
            if (i == std::string_view::npos) break;
            continue;
        }
        if (c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            ++i;
            continue;
        }
        auto end = text.find_first_of(", \t\r\n#", i);
        if (end == std::string_view::npos) end = text.size();
        auto item = text.substr(i, end - i);
        auto range = parse_cidr(item);
        if (!range) throw std::invalid_argument("not an address or CIDR range: '" + std::string(item) + "'");
        ranges.push_back(*range);
        i = end;
    }
    return cidr_list(std::move(ranges));
}

std::string aggregation_key(ip_address const& a, unsigned v4_prefix, unsigned v6_prefix) {
    auto n = normalise(a);
    if (n.is_v4()) return masked(n, std::min(v4_prefix, 32u)).to_string();
    return masked(n, std::min(v6_prefix, 128u)).to_string() + "/" + std::to_string(std::min(v6_prefix, 128u));
}

}  // namespace star::server::admission
