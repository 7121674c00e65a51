#include "federation/recipient_tags.hpp"

#include <openssl/crypto.h>

namespace star::server::federation {
namespace fed = protocol::federation;
namespace wp = protocol::waku_payload;

namespace {
constexpr std::size_t max_pair_keys = 4096;  // open mode may send to any id: forget them all when full
}  // namespace

std::optional<wp::recipient_tag> recipient_tags::tag_for(std::string const& to, trust_list const* trust,
                                                         std::span<std::uint8_t const> sealed) {
    auto to_key = trust ? trust->key_of(to) : fed::parse_public_key(to);
    auto const* key = to_key ? key_with(*to_key) : nullptr;
    if (!key) return std::nullopt;
    return wp::tag_of(*key, *to_key, sealed);
}

bool recipient_tags::maybe_for_us(std::span<std::uint8_t const> tag, trust_list const* trust,
                                  std::span<std::uint8_t const> sealed) {
    if (!trust || tag.size() != wp::recipient_tag_size || trust->size() > max_senders) return true;
    for (auto const& sender : trust->keys()) {
        auto const* key = key_with(sender);
        auto expected = key ? wp::tag_of(*key, sealer_.own_key(), sealed) : std::nullopt;
        if (expected && CRYPTO_memcmp(expected->data(), tag.data(), tag.size()) == 0) return true;
    }
    return false;
}

wp::pair_key const* recipient_tags::key_with(fed::public_key const& other) {
    auto id = fed::server_id(other);
    if (auto it = keys_.find(id); it != keys_.end()) return &it->second;
    auto key = sealer_.pair_key_with(other);
    if (!key) return nullptr;
    if (keys_.size() >= max_pair_keys) keys_.clear();
    return &keys_.emplace(std::move(id), *key).first->second;
}

}  // namespace star::server::federation
