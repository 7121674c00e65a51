// The edge's parsers against arbitrary bytes: the PROXY protocol header (whatever it accepts lies
// within the input and is bounded), X-Forwarded-For/Forwarded resolution, CIDR lists and origin
// lists (they may refuse, with std::invalid_argument only).
#include "admission/forwarded.hpp"
#include "admission/origin_policy.hpp"
#include "admission/proxy_protocol.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    using namespace star::server::admission;
    std::string_view bytes(reinterpret_cast<char const*>(data), size);
    auto r = proxy_protocol::parse(bytes);
    if (r.state == proxy_protocol::status::done && (r.length > size || r.length > proxy_protocol::max_header))
        __builtin_trap();
    static auto const trusted = parse_cidr_list("127.0.0.0/8, 10.0.0.0/8, ::1");
    auto split = bytes.find('\n');
    auto a = resolve_client(*parse_address("127.0.0.1"), bytes.substr(0, split),
                            split == bytes.npos ? std::string_view{} : bytes.substr(split + 1), trusted);
    if (a.malformed && a.address != *parse_address("127.0.0.1")) __builtin_trap();
    try {
        parse_cidr_list(bytes);
    } catch (std::invalid_argument const&) {
    }
    try {
        origin_policy(bytes, false).allows(bytes);
    } catch (std::invalid_argument const&) {
    }
    aggregation_key(a.address, 24, 48);
    return 0;
}
