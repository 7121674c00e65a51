#include "http/endpoints.hpp"

#include "http/status_page.hpp"
#include "protocol/websocket.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/version.hpp>

namespace star::server {
namespace http = boost::beast::http;
namespace eio = protocol::engineio;

namespace {

struct target_parts {
    std::string_view path;
    std::string_view query;
};

target_parts split_target(std::string_view target) {
    auto q = target.find('?');
    if (q == std::string_view::npos) return {target, {}};
    return {target.substr(0, q), target.substr(q + 1)};
}

// Cross-origin reads, as the reference (hapi with `cors: true`) allows them.
void allow_origin(http_request const& req, http_response& res) {
    auto origin = req[http::field::origin];
    if (origin.empty()) return;
    res.set(http::field::access_control_allow_origin, origin);
    res.set(http::field::vary, "origin");
}

http_response respond(http_request const& req, http::status status, std::string_view content_type, std::string body) {
    http_response res{status, req.version()};
    res.set(http::field::server, "webrtc-star-server");
    res.set(http::field::content_type, content_type);
    res.set(http::field::cache_control, "no-cache");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    allow_origin(req, res);
    res.prepare_payload();
    return res;
}

http_response preflight(http_request const& req) {
    http_response res = respond(req, http::status::no_content, "text/plain", {});
    res.set(http::field::access_control_allow_methods, "GET, OPTIONS");
    auto requested = req[http::field::access_control_request_headers];
    res.set(http::field::access_control_allow_headers,
            requested.empty() ? "Accept, Authorization, Content-Type, If-None-Match" : requested);
    res.set(http::field::access_control_max_age, "86400");
    return res;
}

}  // namespace

http_response engineio_error(http_request const& req, eio::handshake_error e) {
    auto status = e == eio::handshake_error::forbidden ? http::status::forbidden : http::status::bad_request;
    return respond(req, status, "application/json", eio::error_body(e));
}

bool is_engineio_path(std::string_view path) {
    return path == "/socket.io/" || path == "/socket.io" || path == "/socket.io-next/" || path == "/socket.io-next";
}

upgrade_decision decide_upgrade(http_request const& req, config const& cfg) {
    auto [path, query] = split_target(req.target());
    if (!is_engineio_path(path))
        return {std::nullopt, std::nullopt, respond(req, http::status::not_found, "text/plain", "Not Found\n")};
    auto check = eio::check_handshake({req.method_string(), query, true, cfg.transports_polling});
    if (check.ok && (check.ok->kind != eio::transport::websocket || !cfg.transports_websocket))
        check = {std::nullopt, check.ok->kind == eio::transport::websocket ? eio::handshake_error::unknown_transport
                                                                           : eio::handshake_error::bad_request};
    if (!check.ok) return {std::nullopt, std::nullopt, engineio_error(req, check.error)};
    if (req[http::field::sec_websocket_version] != "13") {
        auto res = respond(req, http::status::upgrade_required, "text/plain", "Unsupported WebSocket version\n");
        res.set(http::field::sec_websocket_version, "13");
        return {std::nullopt, std::nullopt, std::move(res)};
    }
    if (!protocol::websocket::valid_client_key(req[http::field::sec_websocket_key]))
        return {std::nullopt, std::nullopt,
                respond(req, http::status::bad_request, "text/plain", "Bad Sec-WebSocket-Key\n")};
    return {check.ok->protocol, std::move(check.ok->sid), std::nullopt};
}

std::optional<polling_request> as_polling_request(http_request const& req, config const& cfg) {
    if (!cfg.transports_polling) return std::nullopt;
    if (req.method() != http::verb::get && req.method() != http::verb::post) return std::nullopt;
    auto [path, query] = split_target(req.target());
    if (!is_engineio_path(path)) return std::nullopt;
    auto check = eio::check_handshake({req.method_string(), query, false, true});
    if (!check.ok || check.ok->kind != eio::transport::polling) return std::nullopt;
    return polling_request{check.ok->protocol, std::move(check.ok->sid)};
}

http_response handle_http(http_request const& req, config const& cfg, metrics const& m,
                          std::optional<std::string> const& degraded) {
    auto [path, query] = split_target(req.target());
    if (is_engineio_path(path)) {
        if (req.method() == http::verb::options) return preflight(req);
        auto check = eio::check_handshake({req.method_string(), query, false, cfg.transports_polling});
        // A request with a sid that reaches this point is not for a live polling session
        // (the transport serves those before); engine.io checks the sid before the method.
        if (check.ok && check.ok->sid) return engineio_error(req, eio::handshake_error::unknown_sid);
        return engineio_error(req, check.ok ? eio::handshake_error::bad_request : check.error);
    }
    if (req.method() == http::verb::options) return preflight(req);
    bool head = req.method() == http::verb::head;
    if (req.method() != http::verb::get && !head)
        return respond(req, http::status::method_not_allowed, "text/plain", "Method Not Allowed\n");
    http_response res;
    if (path == "/") res = respond(req, http::status::ok, "text/html; charset=utf-8", status_page(cfg, m, degraded));
    else if (path == "/healthz") res = respond(req, http::status::ok, "text/plain", "ok");
    else if (path == "/readyz" && degraded)
        res = respond(req, http::status::service_unavailable, "text/plain", "degraded: " + *degraded + "\n");
    else if (path == "/readyz") res = respond(req, http::status::ok, "text/plain", "ready");
    else if (path == "/metrics" && cfg.metrics)
        res = respond(req, http::status::ok, "text/plain; version=0.0.4; charset=utf-8", m.render());
    else res = respond(req, http::status::not_found, "text/plain", "Not Found\n");
    if (head) {
        auto length = res.body().size();
        res.body().clear();
        res.content_length(length);
    }
    return res;
}

}  // namespace star::server
