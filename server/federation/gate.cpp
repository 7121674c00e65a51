#include "federation/gate.hpp"

#include "logger.hpp"

#include <algorithm>
#include <chrono>

namespace star::server::federation {
namespace fed = protocol::federation;

namespace {

// Seen envelope ids kept for the replay window: a federation's whole traffic for the window
// (presence, joins, leaves and signals of every server), at some 200 bytes each. When full, the
// signer holding the most gives up its oldest (replay_guard.hpp): a flood shrinks only its own window.
constexpr std::size_t max_remembered_envelopes = 50'000;
constexpr std::size_t max_remembered_signers = 4096;
// How far ahead of our clock an envelope may be stamped: clocks kept by NTP agree to milliseconds, and
// nothing is sent from the future; a sender stamping ahead keeps its ids in memory that much longer.
constexpr std::int64_t max_future_skew_ms = 5'000;
constexpr std::size_t max_own_signals = 4096;
constexpr std::size_t ecies_ephemeral_key_size = 65;

std::shared_ptr<spdlog::logger> log() { return logger_for("signalling"); }

}  // namespace

gate::gate(sealer const& seal, trust_list const* trust, std::int64_t max_clock_skew_ms, metrics& m,
           std::int64_t started_ms)
    : sealer_(seal),
      trust_(trust),
      replays_({max_clock_skew_ms, std::min(max_clock_skew_ms, max_future_skew_ms), max_remembered_envelopes,
                max_remembered_signers},
               started_ms),
      tags_(seal),
      metrics_(m) {}

std::int64_t gate::wall_clock_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::optional<fed::envelope> gate::admit(std::span<std::uint8_t const> payload, std::uint64_t waku_version,
                                         bool is_signal_topic, std::int64_t now_ms,
                                         std::span<std::uint8_t const> meta) {
    if (waku_version != 1) return refuse("old_version", "a Waku message of version " + std::to_string(waku_version));
    if (is_signal_topic && is_own_signal(payload)) {
        metrics_.federation_dropped.inc("own_echo");
        return std::nullopt;
    }
    if (is_signal_topic && !tags_.maybe_for_us(meta, trust_, payload)) {
        metrics_.federation_dropped.inc("not_for_us");  // another server's: not refused, none of ours
        return std::nullopt;
    }
    auto unsealed = sealer_.unseal(payload, is_signal_topic);
    if (!unsealed.value)
        return refuse(unsealed.refusal, is_signal_topic ? "on the signal topic" : "on the presence topic");
    auto const signer = unsealed.value->signer;
    if (signer == sealer_.own_key()) {
        metrics_.federation_dropped.inc("own_echo");
        return std::nullopt;
    }
    // Before the JSON is parsed: what an untrusted key signed is never read.
    if (trust_ && !trust_->find(signer)) return refuse("unknown_key", "signed by " + fed::to_text(signer));
    auto opened = sealer::read(std::move(*unsealed.value), is_signal_topic);
    if (!opened.value) return refuse(opened.refusal, "signed by " + fed::to_text(signer));
    auto& e = opened.value->env;
    if (auto refusal = check(e, signer, now_ms); !refusal.empty())
        return refuse(refusal, std::string(fed::type_name(e.type)) + " signed by " + fed::to_text(signer));
    return std::move(e);
}

std::string_view gate::check(fed::envelope const& e, fed::public_key const& signer, std::int64_t now_ms) {
    auto id = fed::server_id(signer);
    if (e.from != id) return "spoofed_from";
    // Before the replay check, so that a misaddressed signal does not use up its id.
    if (e.is_signal() && e.to != sealer_.own_id()) return "not_for_us";
    return replays_.check(id, e.id, e.ts, now_ms);
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

std::vector<std::uint8_t> gate::signal_meta(std::string const& to, std::span<std::uint8_t const> sealed) {
    auto tag = tags_.tag_for(to, trust_, sealed);
    if (!tag) return {};
    return {tag->begin(), tag->end()};
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
