#include "progress.hpp"

#include <cstdio>

namespace webrtc_star::bench {
namespace {

double ms(std::uint64_t us) { return static_cast<double>(us) / 1e3; }

}  // namespace

void print_live_progress(std::ostream& out, std::string_view stage, double elapsed_s, snapshot const& totals,
                         snapshot const& s) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "\r\033[K[%6.1fs] %-7.*s connected %llu joined %llu failed %llu | %llu handshakes/s "
                  "p50 %.2f p99 %.2f ms | errors %llu",
                  elapsed_s, static_cast<int>(stage.size()), stage.data(),
                  static_cast<unsigned long long>(totals[counter::sio_connected]),
                  static_cast<unsigned long long>(totals[counter::joins_sent]),
                  static_cast<unsigned long long>(totals[counter::clients_failed]),
                  static_cast<unsigned long long>(s[counter::answers_received]), ms(s.handshake_us.percentile(50)),
                  ms(s.handshake_us.percentile(99)), static_cast<unsigned long long>(totals.error_total()));
    out << line << std::flush;
}

void print_progress(std::ostream& out, std::string_view stage, double elapsed_s, snapshot const& totals,
                    snapshot const& s) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "[%6.1fs] %-7.*s ready %llu failed %llu | offers %llu/s done %llu/s p99 %.2f ms "
                  "| ws-peer %llu/s | errors %llu\n",
                  elapsed_s, static_cast<int>(stage.size()), stage.data(),
                  static_cast<unsigned long long>(totals[counter::clients_ready]),
                  static_cast<unsigned long long>(totals[counter::clients_failed]),
                  static_cast<unsigned long long>(s[counter::offers_sent]),
                  static_cast<unsigned long long>(s[counter::answers_received]), ms(s.handshake_us.percentile(99)),
                  static_cast<unsigned long long>(s[counter::ws_peer_received]),
                  static_cast<unsigned long long>(totals.error_total()));
    out << line << std::flush;
}

}  // namespace webrtc_star::bench
