#include "federation/sealer.hpp"

#include <stdexcept>

namespace star::server::federation {

namespace fed = protocol::federation;
namespace payload = protocol::waku_payload;

namespace {

payload::byte_view as_bytes(std::string_view text) {
    return {reinterpret_cast<std::uint8_t const*>(text.data()), text.size()};
}

std::string_view as_text(payload::byte_view bytes) {
    return {reinterpret_cast<char const*>(bytes.data()), bytes.size()};
}

// A payload that is not encrypted at all: a version 1 envelope (counted apart, as the README
// promises), or clear JSON of another version, which no one signed. Ciphertext that merely starts
// with '{' (one in 256 of them) is not JSON, and stays undecryptable.
std::string_view clear_refusal(payload::byte_view bytes) {
    if (bytes.empty() || bytes[0] != '{') return "undecryptable";
    auto error = fed::decode(as_text(bytes)).error;
    if (error == "bad_utf8" || error == "not_json_object") return "undecryptable";
    return error == "old_version" ? "old_version" : "unsigned";
}

}  // namespace

sealer::sealer(fed::private_key own, std::string presence_secret_or_topic_prefix)
    : own_(own),
      own_key_(fed::public_of(own)),
      own_id_(fed::server_id(own_key_)),
      presence_key_(payload::presence_key(presence_secret_or_topic_prefix)) {}

std::vector<std::uint8_t> sealer::seal(fed::envelope const& env, fed::public_key const* to_key) const {
    if (env.from != own_id_) throw std::invalid_argument("an envelope from another server id than ours");
    auto inner = payload::encode_signed(as_bytes(fed::encode(env)), own_);
    if (!env.is_signal()) return payload::encrypt_symmetric(inner, presence_key_);
    std::optional<fed::public_key> parsed;
    if (!to_key) {
        parsed = fed::parse_public_key(env.to);
        if (!parsed) throw std::invalid_argument("a signal for a server id that is not a public key");
        to_key = &*parsed;
    }
    return payload::encrypt_asymmetric(inner, *to_key);
}

open_result sealer::open(std::span<std::uint8_t const> bytes, bool is_signal_topic) const {
    if (bytes.size() > payload::max_sealed_size) return {std::nullopt, "too_large"};
    auto inner =
        is_signal_topic ? payload::decrypt_asymmetric(bytes, own_) : payload::decrypt_symmetric(bytes, presence_key_);
    if (!inner) return {std::nullopt, clear_refusal(bytes)};
    auto decoded = payload::decode(*inner);
    if (!decoded.value) {
        if (decoded.error == "too_large" || decoded.error == "bad_signature") return {std::nullopt, decoded.error};
        return {std::nullopt, "undecryptable"};
    }
    if (!decoded.value->signer) return {std::nullopt, "unsigned"};
    auto env = fed::decode(as_text(decoded.value->payload));
    if (!env.value) return {std::nullopt, env.error == "old_version" ? "old_version" : "bad_envelope"};
    // Each topic carries its own types: a presence sealed to our key on the signal topic is not ours
    // to believe, nor a signal readable by every member.
    if (env.value->is_signal() != is_signal_topic) return {std::nullopt, "bad_envelope"};
    return {opened{std::move(*env.value), *decoded.value->signer}, {}};
}

}  // namespace star::server::federation
