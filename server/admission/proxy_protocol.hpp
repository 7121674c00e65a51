// The PROXY protocol (HAProxy's spec, versions 1 and 2), sans I/O: given the bytes a connection
// has sent so far, says whether a whole header is there, how long it is, and the client it
// names. A proxy sends it once, before anything else (before TLS). Bounded: a v1 header is at
// most 107 bytes; a v2 header is accepted up to max_header bytes (TLVs included), else refused.
#pragma once

#include "admission/cidr.hpp"

#include <cstddef>
#include <optional>
#include <string_view>

namespace star::server::admission::proxy_protocol {

constexpr std::size_t max_v1_header = 107;
constexpr std::size_t max_header = 536;  // v2: 16 bytes, IPv6 addresses, and room for TLVs

enum class status { need_more, done, invalid };

struct result {
    status state = status::need_more;
    std::size_t length = 0;            // done: the header's bytes, to consume
    std::optional<ip_address> source;  // done: the client; none for LOCAL / UNKNOWN (a proxy's own check)
    std::string_view error;            // invalid: why
};

result parse(std::string_view bytes);

}  // namespace star::server::admission::proxy_protocol
