// star-seal-tool: the federation sealer from the command line, for tests/waku/seal-interop.test.mjs
// (js-waku's @waku/message-encryption on the other side) and for measuring its cost. Bytes travel
// as hex, one line.
//   star-seal-tool seal OWN_KEY PRESENCE_SECRET ENVELOPE_JSON      a signal is sealed to its "to"
//   star-seal-tool open OWN_KEY PRESENCE_SECRET signal|presence HEX
//       prints {"envelope":...,"signer":KEY} or {"refusal":REASON} (and exits 1)
//   star-seal-tool bench [ITERATIONS]     CPU per seal and per open, presence and signal
#include "federation/sealer.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <stdexcept>
#include <string>

namespace fed = star::protocol::federation;
using star::server::federation::sealer;

namespace {

std::string hex_of(std::span<std::uint8_t const> bytes) {
    std::string out;
    for (auto b : bytes) out += "0123456789abcdef"[b >> 4], out += "0123456789abcdef"[b & 15];
    return out;
}

std::vector<std::uint8_t> from_hex(std::string const& hex) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

fed::private_key key_or_exit(std::string const& hex) {
    auto key = fed::parse_private_key(hex);
    if (!key) {
        std::cerr << "star-seal-tool: not a private key: " << hex << '\n';
        std::exit(2);
    }
    return *key;
}

int seal_command(sealer const& s, std::string const& json) {
    auto env = fed::decode(json);
    if (!env.value) {
        std::cerr << "star-seal-tool: not an envelope (" << env.error << ")\n";
        return 2;
    }
    std::cout << hex_of(s.seal(*env.value, nullptr)) << '\n';
    return 0;
}

int open_command(sealer const& s, std::string const& topic, std::string const& hex) {
    auto bytes = from_hex(hex);
    auto result = s.open(bytes, topic == "signal");
    if (!result.value) {
        std::cout << R"({"refusal":")" << result.refusal << "\"}\n";
        return 1;
    }
    std::cout << R"({"envelope":)" << fed::encode(result.value->env) << R"(,"signer":")"
              << fed::to_text(result.value->signer) << "\"}\n";
    return 0;
}

double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Runs f `iterations` times and prints its CPU cost; false (and says so) if any run failed or the
// figure is not a time at all.
template <class F> bool measure(char const* what, int iterations, F const& f) {
    double start = cpu_seconds();
    int failed = 0;
    for (int i = 0; i < iterations; ++i) failed += f() ? 0 : 1;
    double each_us = (cpu_seconds() - start) * 1e6 / iterations;
    std::printf("%-40s %8.1f us CPU each (%d runs)\n", what, each_us, iterations);
    if (failed) std::printf("FAILED: %s failed %d of %d runs\n", what, failed, iterations);
    if (!(each_us > 0 && each_us < 1e6)) std::printf("FAILED: %s: %f us is not a sane figure\n", what, each_us);
    return failed == 0 && each_us > 0 && each_us < 1e6;
}

// What `opener` opens of `sealed` is `original`, signed by `signer`.
bool round_trips(sealer const& opener, std::vector<std::uint8_t> const& sealed, bool is_signal,
                 fed::envelope const& original, sealer const& signer) {
    auto opened = opener.open(sealed, is_signal);
    return opened.value && fed::encode(opened.value->env) == fed::encode(original) &&
           fed::to_text(opened.value->signer) == signer.own_id();
}

fed::envelope sample(fed::envelope_type type, std::string from, std::string to) {
    fed::envelope e;
    e.type = type;
    e.from = std::move(from);
    e.id = "0123456789abcdef";
    e.ts = 1732000000000;
    if (type == fed::envelope_type::signal) {
        e.to = std::move(to);
        e.src = e.dst = "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC";
        e.intent = "intent-1";
        // About the size of a real offer with a few candidates.
        e.payload = R"({"signal":{"type":"offer","sdp":")" + std::string(2000, 'a') + "\"}}";
    } else {
        e.peers.assign(50, "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC");
    }
    return e;
}

// The figures, and a check that they measured what they say: every open round-trips to the sealed
// envelope and its signer, and a third key cannot open the signal. Exit 1 if anything failed.
int bench(int iterations) {
    if (iterations <= 0) throw std::invalid_argument("iterations must be positive");
    sealer a(fed::generate_private_key(), "/webrtc-star/1"), b(fed::generate_private_key(), "/webrtc-star/1");
    sealer stranger(fed::generate_private_key(), "/webrtc-star/1");
    auto presence = sample(fed::envelope_type::presence, a.own_id(), {});
    auto signal = sample(fed::envelope_type::signal, a.own_id(), b.own_id());
    auto sealed_presence = a.seal(presence, nullptr);
    auto sealed_signal = a.seal(signal, nullptr);
    std::printf("presence: %zu-byte envelope, %zu sealed; signal: %zu-byte envelope, %zu sealed\n",
                fed::encode(presence).size(), sealed_presence.size(), fed::encode(signal).size(), sealed_signal.size());
    bool ok = round_trips(b, sealed_presence, false, presence, a) && round_trips(b, sealed_signal, true, signal, a);
    if (!ok) std::printf("FAILED: a sealed envelope did not open to itself and its signer\n");
    if (stranger.open(sealed_signal, true).value) {
        std::printf("FAILED: a key the signal was not sealed to opened it\n");
        ok = false;
    }
    ok &= measure("seal presence (sign + AES-256-GCM)", iterations, [&] { return !a.seal(presence, nullptr).empty(); });
    ok &= measure("open presence (AES-256-GCM + recover)", iterations,
                  [&] { return b.open(sealed_presence, false).value.has_value(); });
    ok &= measure("seal signal (sign + ECIES)", iterations, [&] { return !a.seal(signal, nullptr).empty(); });
    ok &= measure("open signal (ECIES + recover)", iterations,
                  [&] { return b.open(sealed_signal, true).value.has_value(); });
    ok &= measure("envelope JSON encode + decode (v1 cost)", iterations,
                  [&] { return fed::decode(fed::encode(signal)).value.has_value(); });
    return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.size() == 4 && args[0] == "seal") return seal_command(sealer(key_or_exit(args[1]), args[2]), args[3]);
        if (args.size() == 5 && args[0] == "open")
            return open_command(sealer(key_or_exit(args[1]), args[2]), args[3], args[4]);
        if (!args.empty() && args.size() <= 2 && args[0] == "bench")
            return bench(args.size() == 2 ? std::stoi(args[1]) : 2000);
    } catch (std::exception const& e) {
        std::cerr << "star-seal-tool: " << e.what() << '\n';
        return 2;
    }
    std::cerr << "usage: star-seal-tool seal KEY SECRET JSON | open KEY SECRET signal|presence HEX | bench [N]\n";
    return 2;
}
