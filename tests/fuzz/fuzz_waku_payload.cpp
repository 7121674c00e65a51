// Sealed federation messages are untrusted input: opening must never misbehave, whatever the bytes,
// and nothing claimed inside may make it allocate beyond the input's size. The input is tried as
// every layer (inner, symmetric, asymmetric); then, as a payload, it must seal and open again to
// itself, signed by the key that sealed it. A recipient tag is computed over it too.
#include "protocol/waku_payload.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace {

namespace fed = star::protocol::federation;
namespace wp = star::protocol::waku_payload;

fed::private_key const& own() {
    static auto const key = *fed::parse_private_key("0101010101010101010101010101010101010101010101010101010101010101");
    return key;
}

void counting_random(std::span<std::uint8_t> out) {  // reproducible: a crash replays
    static std::uint8_t next = 1;
    for (auto& b : out) b = next++;
}

void check_round_trip(wp::byte_view payload) {
    auto const key = wp::presence_key("/webrtc-star/fuzz");
    auto inner = wp::encode_signed(payload, own(), counting_random);
    auto opened = wp::decrypt_symmetric(wp::encrypt_symmetric(inner, key, counting_random), key);
    auto sealed_to_us = wp::encrypt_asymmetric(inner, fed::public_of(own()), counting_random);
    auto opened_asym = wp::decrypt_asymmetric(sealed_to_us, own());
    if (!opened || *opened != inner || !opened_asym || *opened_asym != inner) __builtin_trap();
    auto decoded = wp::decode(inner);
    if (!decoded.value || !decoded.value->signer || *decoded.value->signer != fed::public_of(own()) ||
        !std::equal(payload.begin(), payload.end(), decoded.value->payload.begin(), decoded.value->payload.end()))
        __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    wp::byte_view input(data, size);
    auto inner = wp::decode(input);
    if (inner.value && inner.value->payload.size() > size) __builtin_trap();
    auto const key = wp::presence_key("/webrtc-star/fuzz");
    if (auto clear = wp::decrypt_symmetric(input, key)) (void)wp::decode(*clear);
    if (auto clear = wp::decrypt_asymmetric(input, own())) (void)wp::decode(*clear);
    // A recipient tag is read from any message: it must never misbehave, and exists only for ECIES sizes.
    static auto const pair = *wp::pair_key_of(own(), fed::public_of(own()));
    if (wp::tag_of(pair, fed::public_of(own()), input).has_value() != (size > wp::ecies_overhead)) __builtin_trap();
    if (size <= 4096) check_round_trip(input);  // bounded: each run stays fast
    return 0;
}
