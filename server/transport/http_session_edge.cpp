// The edge half of http_session: the PROXY protocol header a trusted proxy sends first, who the
// client of a request is, and whether client_gate lets it open or use a session. Refusals are
// answered as engine.io answers a refused request (an HTTP status and its JSON error body).
#include "transport/http_session.hpp"

#include "admission/proxy_protocol.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/ssl.hpp>

namespace star::server {
namespace beast = boost::beast;
namespace http = beast::http;
namespace eio = protocol::engineio;
namespace pp = admission::proxy_protocol;

// Only a trusted proxy may connect, and what it sends first must be a whole header within
// --handshake-timeout and pp::max_header bytes; bytes after it stay in buffer_ for TLS or HTTP.
template <class Stream> void http_session<Stream>::read_proxy_header() {
    if (!peer_ || !ctx_.gate.trusted_proxy(*peer_))
        return ctx_.gate.refused("untrusted_proxy", client_, "connection from outside --trusted-proxies closed");
    auto& tcp = beast::get_lowest_layer(stream_);
    tcp.expires_after(ctx_.cfg.handshake_timeout);
    tcp.async_read_some(buffer_.prepare(pp::max_header - buffer_.size()),
                        beast::bind_front_handler(&http_session::on_proxy_bytes, this->shared_from_this()));
}

template <class Stream> void http_session<Stream>::on_proxy_bytes(beast::error_code ec, std::size_t bytes) {
    if (ec == beast::error::timeout) inc(ctx_.metrics.handshake_timeouts);
    if (ec) return ctx_.gate.refused("proxy_header", client_, "no PROXY protocol header: " + ec.message());
    buffer_.commit(bytes);
    auto data = buffer_.data();
    auto r = pp::parse({static_cast<char const*>(data.data()), data.size()});
    if (r.state == pp::status::need_more && buffer_.size() < pp::max_header) return read_proxy_header();
    if (r.state != pp::status::done)
        return ctx_.gate.refused("proxy_header", client_,
                                 "bad PROXY protocol header: " + std::string(r.error.empty() ? "too long" : r.error));
    buffer_.consume(r.length);
    if (r.source) {  // none: the proxy's own health check (LOCAL), served as from the proxy
        peer_ = *r.source;
        peer_port_ = 0;
        client_ip_ = *r.source;
        client_ = r.source->to_string();
    }
    start();
}

namespace {
// Every line of a header, in order, as one comma-separated list (RFC 9110 5.3): a proxy that adds
// its own X-Forwarded-For line after the client's (HAProxy's `option forwardfor`) puts the real
// client in the last line, so reading only the first would believe what the client wrote.
std::string all_lines(http_request const& req, std::string_view name) {
    std::string out;
    for (auto [it, end] = req.equal_range(name); it != end; ++it) {
        if (!out.empty()) out += ',';
        out.append(it->value().data(), it->value().size());
    }
    return out;
}
}  // namespace

// Per request: a proxy's keep-alive connection carries requests of many clients.
template <class Stream> void http_session<Stream>::resolve_client(http_request const& req) {
    if (!peer_) return;
    auto forwarded = all_lines(req, "Forwarded");
    auto xff = all_lines(req, "X-Forwarded-For");
    auto real = forwarded.empty() && xff.empty() ? *peer_ : ctx_.gate.resolve(*peer_, forwarded, xff);
    if (real == client_ip_) return;
    client_ip_ = real;
    client_ = real.to_string();
    if (real == *peer_ && peer_port_ != 0) client_ += ":" + std::to_string(peer_port_);
}

template <class Stream> bool http_session<Stream>::admit_request(http_request const& req) {
    auto why = ctx_.gate.check(client_ip_, req[http::field::origin]);
    if (why.empty()) return true;
    refuse_client(req, why);
    return false;
}

template <class Stream>
bool http_session<Stream>::admit_session(http_request const& req, admission::address_limits::slot& slot) {
    auto why = ctx_.gate.admit_session(client_ip_, slot);
    if (why.empty()) return true;
    refuse_client(req, why);
    return false;
}

// 403 for a denied address or origin (engine.io's "Forbidden"), 429 for too many new sessions,
// 503 for too many open ones (as for --max-connections). The connection is closed after it.
template <class Stream> void http_session<Stream>::refuse_client(http_request const& req, std::string_view reason) {
    bool forbidden = reason == "denied" || reason == "origin";
    ctx_.gate.refused(reason, client_, forbidden ? "request refused" : "session refused");
    auto res = engineio_error(req, forbidden ? eio::handshake_error::forbidden : eio::handshake_error::bad_request);
    if (reason == "sessions_per_address") res.result(http::status::too_many_requests);
    else if (!forbidden) res.result(http::status::service_unavailable);
    res.keep_alive(false);
    write(std::move(res));
}

template class http_session<plain_stream>;
template class http_session<tls_stream>;

}  // namespace star::server
