#include "federation/sealer.hpp"

#include "protocol/json_scan.hpp"

#include <algorithm>
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

// A payload that is not encrypted at all: clear JSON, which no one signed. Told apart from ciphertext
// without parsing it (no JSON parser ever sees unauthenticated input): printable text from '{' to
// '}'. The version 1 envelopes of old servers begin with `{"v":1,` and are counted apart, as the
// README promises. Ciphertext that merely starts with '{' (one in 256 of them) stays undecryptable.
std::string_view clear_refusal(payload::byte_view bytes) {
    auto text = as_text(bytes);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
    if (text.size() < 2 || text.front() != '{' || text.back() != '}') return "undecryptable";
    bool printable = std::all_of(text.begin(), text.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 0x20 || c == '\n' || c == '\r' || c == '\t';
    });
    if (!printable || !protocol::json::valid_utf8(text)) return "undecryptable";
    return text.starts_with(R"({"v":1,)") ? "old_version" : "unsigned";
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

std::optional<std::vector<std::uint8_t>> sealer::seal_for(fed::envelope const& env, trust_list const* trust) const {
    if (!trust || !env.is_signal()) return seal(env, nullptr);
    auto to_key = trust->key_of(env.to);
    if (!to_key) return std::nullopt;
    return seal(env, &*to_key);
}

unseal_result sealer::unseal(std::span<std::uint8_t const> bytes, bool is_signal_topic) const {
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
    return {unsealed{std::move(decoded.value->payload), *decoded.value->signer}, {}};
}

open_result sealer::read(unsealed u, bool is_signal_topic) {
    auto env = fed::decode(as_text(u.payload));
    if (!env.value) return {std::nullopt, env.error == "old_version" ? "old_version" : "bad_envelope"};
    // Each topic carries its own types: a presence sealed to our key on the signal topic is not ours
    // to believe, nor a signal readable by every member.
    if (env.value->is_signal() != is_signal_topic) return {std::nullopt, "bad_envelope"};
    return {opened{std::move(*env.value), u.signer}, {}};
}

open_result sealer::open(std::span<std::uint8_t const> bytes, bool is_signal_topic) const {
    auto u = unseal(bytes, is_signal_topic);
    if (!u.value) return {std::nullopt, u.refusal};
    return read(std::move(*u.value), is_signal_topic);
}

}  // namespace star::server::federation
