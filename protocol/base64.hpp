// Standard base64 (RFC 4648, with padding), as nwaku's REST API carries payloads.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace star::protocol {

std::string base64_encode(std::string_view bytes);
// Accepts padded or unpadded input; nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace star::protocol
