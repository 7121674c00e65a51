#include "admission/proxy_protocol.hpp"

#include <array>
#include <cstring>
#include <vector>

namespace star::server::admission::proxy_protocol {
namespace ip = boost::asio::ip;
namespace {

constexpr std::string_view v2_signature("\r\n\r\n\0\r\nQUIT\n", 12);
constexpr std::string_view v1_prefix = "PROXY ";

result invalid(std::string_view why) { return {status::invalid, 0, std::nullopt, why}; }

// Only for the prefix seen so far: could these bytes still become a header of either version?
bool could_be_prefix(std::string_view bytes) {
    auto n1 = std::min(bytes.size(), v1_prefix.size());
    auto n2 = std::min(bytes.size(), v2_signature.size());
    return bytes.substr(0, n1) == v1_prefix.substr(0, n1) || bytes.substr(0, n2) == v2_signature.substr(0, n2);
}

std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> out;
    while (!line.empty() && out.size() < 7) {
        auto sp = line.find(' ');
        out.push_back(line.substr(0, sp));
        if (sp == std::string_view::npos) break;
        line.remove_prefix(sp + 1);
    }
    return out;
}

bool valid_port(std::string_view p) {
    if (p.empty() || p.size() > 5 || (p.size() > 1 && p[0] == '0')) return false;
    unsigned v = 0;
    for (char c : p) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    return v <= 65535;
}

result parse_v1(std::string_view bytes) {
    auto end = bytes.substr(0, max_v1_header).find("\r\n");
    if (end == std::string_view::npos) return bytes.size() >= max_v1_header ? invalid("v1 header too long") : result{};
    auto w = words(bytes.substr(0, end));
    std::size_t length = end + 2;
    if (w.size() >= 2 && w[1] == "UNKNOWN") return {status::done, length, std::nullopt, {}};
    if (w.size() != 6 || (w[1] != "TCP4" && w[1] != "TCP6")) return invalid("v1 header malformed");
    boost::system::error_code ec1, ec2;
    auto src = ip::make_address(std::string(w[2]), ec1);
    auto dst = ip::make_address(std::string(w[3]), ec2);
    bool v4 = w[1] == "TCP4";
    if (ec1 || ec2 || src.is_v4() != v4 || dst.is_v4() != v4) return invalid("v1 address malformed");
    if (!valid_port(w[4]) || !valid_port(w[5])) return invalid("v1 port malformed");
    return {status::done, length, normalise(src), {}};
}

result parse_v2(std::string_view bytes) {
    if (bytes.size() < 16) return {};
    auto ver_cmd = static_cast<unsigned char>(bytes[12]);
    auto family = static_cast<unsigned char>(bytes[13]);
    std::size_t length = 16 + ((static_cast<unsigned char>(bytes[14]) << 8) | static_cast<unsigned char>(bytes[15]));
    if ((ver_cmd >> 4) != 2) return invalid("v2 version unknown");
    if (length > max_header) return invalid("v2 header too long");
    if (bytes.size() < length) return {};
    auto command = ver_cmd & 0x0f;
    if (command == 0) return {status::done, length, std::nullopt, {}};  // LOCAL: the proxy's own connection
    if (command != 1) return invalid("v2 command unknown");
    auto body = bytes.substr(16, length - 16);
    if (family == 0x11 || family == 0x12) {  // TCP or UDP over IPv4
        if (body.size() < 12) return invalid("v2 address block short");
        ip::address_v4::bytes_type b;
        std::memcpy(b.data(), body.data(), 4);
        return {status::done, length, ip_address(ip::address_v4(b)), {}};
    }
    if (family == 0x21 || family == 0x22) {  // over IPv6
        if (body.size() < 36) return invalid("v2 address block short");
        ip::address_v6::bytes_type b;
        std::memcpy(b.data(), body.data(), 16);
        return {status::done, length, normalise(ip::address_v6(b)), {}};
    }
    if ((family >> 4) == 0) return {status::done, length, std::nullopt, {}};  // AF_UNSPEC
    return invalid("v2 address family unsupported");
}

}  // namespace

result parse(std::string_view bytes) {
    if (!could_be_prefix(bytes)) return invalid("no PROXY protocol header");
    if (bytes.size() >= v2_signature.size() && bytes.substr(0, 12) == v2_signature) return parse_v2(bytes);
    if (bytes.size() >= v1_prefix.size() && bytes.substr(0, v1_prefix.size()) == v1_prefix) return parse_v1(bytes);
    return {};
}

}  // namespace star::server::admission::proxy_protocol
