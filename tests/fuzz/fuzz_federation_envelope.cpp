// Envelopes from other servers are untrusted input: decode must never misbehave, and what it
// accepts must encode and decode again to the same envelope.
#include "protocol/federation_envelope.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    namespace fed = star::protocol::federation;
    auto r = fed::decode(std::string_view(reinterpret_cast<char const*>(data), size));
    if (!r.value) return 0;
    auto again = fed::decode(fed::encode(*r.value));
    auto const& a = *r.value;
    if (!again.value || again.value->payload != a.payload || again.value->peers != a.peers || again.value->to != a.to ||
        again.value->src != a.src || again.value->dst != a.dst || again.value->intent != a.intent ||
        again.value->answer != a.answer || again.value->type != a.type)
        __builtin_trap();
    return 0;
}
