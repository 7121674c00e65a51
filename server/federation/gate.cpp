#include "federation/gate.hpp"

#include "logger.hpp"

namespace star::server::federation {
namespace fed = protocol::federation;

namespace {

// Seen envelope ids kept for the replay window: a federation's whole traffic for 2x the window
// (presence, joins, leaves and signals of every server), at some 200 bytes each.
constexpr std::size_t max_remembered_envelopes = 50'000;
constexpr std::size_t max_own_signals = 4096;
constexpr std::size_t ecies_ephemeral_key_size = 65;

std::shared_ptr<spdlog::logger> log() { return logger_for("signalling"); }

}  // namespace

gate::gate(sealer const& seal, trust_list const* trust, std::int64_t max_clock_skew_ms, metrics& m)
    : sealer_(seal), trust_(trust), replays_(max_clock_skew_ms, max_remembered_envelopes), metrics_(m) {}

std::optional<fed::envelope> gate::admit(std::span<std::uint8_t const> payload, std::uint64_t waku_version,
                                         bool is_signal_topic, std::int64_t now_ms) {
    if (waku_version != 1) return refuse("old_version", "a Waku message of version " + std::to_string(waku_version));
    if (is_signal_topic && is_own_signal(payload)) {
        metrics_.federation_dropped.inc("own_echo");
        return std::nullopt;
    }
    auto opened = sealer_.open(payload, is_signal_topic);
    if (!opened.value) return refuse(opened.refusal, is_signal_topic ? "on the signal topic" : "on the presence topic");
    auto& [e, signer] = *opened.value;
    if (signer == sealer_.own_key()) {
        metrics_.federation_dropped.inc("own_echo");
        return std::nullopt;
    }
    if (auto refusal = check(e, signer, now_ms); !refusal.empty())
        return refuse(refusal, std::string(fed::type_name(e.type)) + " signed by " + fed::to_text(signer));
    return std::move(e);
}

std::string_view gate::check(fed::envelope const& e, fed::public_key const& signer, std::int64_t now_ms) {
    if (trust_ && !trust_->find(signer)) return "unknown_key";
    auto id = fed::server_id(signer);
    if (e.from != id) return "spoofed_from";
    // Before the replay check, so that a misaddressed signal does not use up its id.
    if (e.is_signal() && e.to != sealer_.own_id()) return "not_for_us";
    return replays_.check(id + "/" + e.id, e.ts, now_ms);
}

std::nullopt_t gate::refuse(std::string_view reason, std::string_view detail) {
    metrics_.federation_refused.inc(reason);
    std::uint64_t suppressed = 0;
    if (log_throttle_.allow(suppressed))
        log_with(*log(), spdlog::level::warn, {{log_key::reason, std::string(reason)}},
                 "federation: refused an envelope ({}): {}{}", reason, detail,
                 suppressed ? " (" + std::to_string(suppressed) + " similar lines suppressed)" : std::string());
    return std::nullopt;
}

void gate::remember_own_signal(std::span<std::uint8_t const> sealed) {
    if (sealed.size() < ecies_ephemeral_key_size) return;
    std::string key(sealed.begin(), sealed.begin() + ecies_ephemeral_key_size);
    if (!own_signals_.insert(key).second) return;
    own_signals_order_.push_back(std::move(key));
    if (own_signals_order_.size() > max_own_signals) {
        own_signals_.erase(own_signals_order_.front());
        own_signals_order_.pop_front();
    }
}

bool gate::is_own_signal(std::span<std::uint8_t const> payload) const {
    if (payload.size() < ecies_ephemeral_key_size) return false;
    std::string_view key(reinterpret_cast<char const*>(payload.data()), ecies_ephemeral_key_size);
    return own_signals_.find(key) != own_signals_.end();
}

}  // namespace star::server::federation
