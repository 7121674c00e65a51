// What nwaku's REST answers mean for the backend, decided without I/O so each case can be
// tested alone. The behaviours follow nwaku's sources (waku/rest_api/endpoint/builder.nim,
// relay/handlers.nim, health/types.nim, node/health_monitor/*), v0.36.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace star::server::waku {

// The oldest nwaku whose /health reports relay readiness; older ones work, but /readyz
// cannot see a node cut off from its relay peers.
inline constexpr int min_nwaku_major = 0, min_nwaku_minor = 36;
// `ephemeral` in a posted message is a field nwaku knows only since v0.27.0; older nodes
// answer 400 to any field they do not know.
inline constexpr int ephemeral_since_major = 0, ephemeral_since_minor = 27;

struct nwaku_version {
    int major = 0, minor = 0, patch = 0;
    bool at_least(int maj, int min) const { return major > maj || (major == maj && minor >= min); }
};
// Parses GET /debug/v1/version's text ("v0.36.0", "v0.36.0-rc.1-3-gabcdef", "v0.36.0\n").
std::optional<nwaku_version> parse_nwaku_version(std::string_view text);

// How an answer to a /relay/* request is to be taken.
enum class relay_answer {
    ok,
    initialising,     // 404 "/relay endpoints are not available while initializing."
    relay_disabled,   // 404 "... Please check your configuration: --relay"
    wrong_base_path,  // 400 "Bad request initiated. Invalid path or method used."
    not_subscribed,   // GET 404 with an empty body: nwaku restarted and forgot us
    message_refused,  // a publish 400 about this one message (size, RLN, unknown field)
    failed,           // anything else: 5xx, unexpected status
};
relay_answer classify_relay_answer(unsigned status, std::string_view body);

// Why nwaku's GET /health says it cannot relay, or nullopt when it can (or when the body
// is not the JSON report of v0.36 and later: older nodes answer with text).
std::optional<std::string> health_problem(std::string_view body);
// Whether /health's body is the JSON report at all.
bool is_health_report(std::string_view body);

}  // namespace star::server::waku
