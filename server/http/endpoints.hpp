// The plain HTTP side: status page, health, metrics, CORS preflight, and Engine.IO's
// handshake errors. Pure request-to-response functions; the transport does the I/O.
#pragma once

#include "config/config.hpp"
#include "metrics/metrics.hpp"
#include "protocol/engineio.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>
#include <string_view>

namespace star::server {

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;

// True for the Engine.IO paths the reference attaches to: /socket.io/ and /socket.io-next/.
bool is_engineio_path(std::string_view path);

struct upgrade_decision {
    std::optional<protocol::engineio::version> version;  // set: accept the WebSocket
    std::optional<std::string> sid;                      // set: the upgrade of this polling session
    std::optional<http_response> refusal;                // otherwise: answer this
};

// Decides a WebSocket upgrade request.
upgrade_decision decide_upgrade(http_request const& req, config const& cfg = {});

// A request for the long-polling transport, which the transport layer serves itself.
struct polling_request {
    protocol::engineio::version version;
    std::optional<std::string> sid;  // unset: the handshake
};
std::optional<polling_request> as_polling_request(http_request const& req, config const& cfg);

// The answer engine.io gives a refused Engine.IO request: 400 (403 for forbidden) and
// {"code":N,"message":"..."}.
http_response engineio_error(http_request const& req, protocol::engineio::handshake_error e);

// Answers every request that is not an accepted WebSocket upgrade. `degraded` says why the
// backend cannot serve (for /readyz), if it cannot.
http_response handle_http(http_request const& req, config const& cfg, metrics const& m,
                          std::optional<std::string> const& degraded = std::nullopt);

}  // namespace star::server
