// Known answers: messages js-waku's @waku/message-encryption sealed (tests/federation/vectors.json,
// written by tests/waku/make-seal-vectors.mjs) open here to the same payload and signer, and what
// we encode from the same payload, padding and IV is the same bytes.
#include "protocol/waku_payload.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>

namespace fed = star::protocol::federation;
namespace wp = star::protocol::waku_payload;

namespace {

wp::bytes from_hex(std::string const& hex) {
    wp::bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

nlohmann::json const& vectors() {
    static nlohmann::json const file = nlohmann::json::parse(std::ifstream(STAR_FEDERATION_VECTORS));
    return file;
}

wp::bytes payload_of(nlohmann::json const& v) {
    if (v.contains("payload_hex")) return from_hex(v["payload_hex"]);
    wp::bytes out(v["payload_pattern_size"].get<std::size_t>());
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(i % 251);
    return out;
}

// Hands out the given bytes in order: our encoder then draws what js-waku drew.
wp::random_source replay(wp::bytes bytes) {
    auto state = std::make_shared<std::pair<wp::bytes, std::size_t>>(std::move(bytes), 0);
    return [state](std::span<std::uint8_t> out) {
        REQUIRE(state->second + out.size() <= state->first.size());
        std::copy_n(state->first.begin() + static_cast<std::ptrdiff_t>(state->second), out.size(), out.begin());
        state->second += out.size();
    };
}

}  // namespace

TEST_CASE("js-waku's sealed messages open to their payload and signer, and encode again byte for byte") {
    auto const& file = vectors();
    auto key = wp::presence_key(file["presence_prefix"].get<std::string>());
    CHECK(key.bytes ==
          [&] {
              wp::symmetric_key k;
              auto b = from_hex(file["presence_key"]);
              std::copy(b.begin(), b.end(), k.bytes.begin());
              return k;
          }()
              .bytes);
    auto signer = *fed::parse_private_key(file["signer_private_key"].get<std::string>());
    CHECK(fed::to_text(fed::public_of(signer)) == file["signer_public_key"]);
    auto recipient = *fed::parse_private_key(file["recipient_private_key"].get<std::string>());
    REQUIRE(file["vectors"].size() >= 9);
    for (auto const& v : file["vectors"]) {
        bool symmetric = v["kind"] == "symmetric", is_signed = v["signed"];
        auto payload = payload_of(v);
        CAPTURE(v["kind"].get<std::string>(), is_signed, payload.size());
        auto sealed = from_hex(v["sealed_hex"]);
        auto inner = symmetric ? wp::decrypt_symmetric(sealed, key) : wp::decrypt_asymmetric(sealed, recipient);
        REQUIRE(inner);
        auto decoded = wp::decode(*inner);
        REQUIRE(decoded.value);
        CHECK(decoded.value->payload == payload);
        if (is_signed) CHECK(decoded.value->signer == fed::public_of(signer));
        else CHECK_FALSE(decoded.value->signer);

        std::size_t field = (*inner)[0] & 3;
        auto padding = wp::bytes(inner->begin() + static_cast<std::ptrdiff_t>(1 + field + payload.size()),
                                 inner->end() - (is_signed ? 65 : 0));
        auto ours = is_signed ? wp::encode_signed(payload, signer, replay(padding))
                              : wp::encode_unsigned(payload, replay(padding));
        CHECK(ours == *inner);
        if (symmetric) {
            auto iv = wp::bytes(sealed.end() - wp::symmetric_iv_size, sealed.end());
            CHECK(wp::encrypt_symmetric(*inner, key, replay(iv)) == sealed);
        }
    }
}
