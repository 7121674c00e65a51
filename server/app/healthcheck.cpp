#include "healthcheck.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cstdio>

namespace star::server {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

template <class Stream> int get_healthz(Stream& stream, std::string const& host) {
    http::request<http::empty_body> req{http::verb::get, "/healthz", 11};
    req.set(http::field::host, host);
    req.set(http::field::user_agent, "webrtc-star-server healthcheck");
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    if (res.result() == http::status::ok) return 0;
    std::fprintf(stderr, "healthcheck: /healthz answered %u\n", res.result_int());
    return 1;
}

}  // namespace

int run_healthcheck(config const& cfg) {
    try {
        auto address = net::ip::make_address(cfg.host);
        if (address.is_unspecified())
            address = address.is_v6() ? net::ip::address(net::ip::address_v6::loopback())
                                      : net::ip::address(net::ip::address_v4::loopback());
        net::io_context io;
        beast::tcp_stream tcp(io);
        tcp.expires_after(std::chrono::seconds(5));
        tcp.connect(net::ip::tcp::endpoint(address, cfg.port));
        if (cfg.proxy_protocol) {
            // What a proxy's own health check sends: a PROXY v2 LOCAL header (served as from the
            // connection's address, which --trusted-proxies must then hold: loopback).
            static constexpr char local[16] = {'\r', '\n', '\r', '\n', '\0', '\r', '\n', 'Q',
                                               'U',  'I',  'T',  '\n', 0x20, 0x00, 0x00, 0x00};
            net::write(tcp, net::buffer(local, sizeof local));
        }
        std::string host = address.to_string();
        if (cfg.tls_cert.empty()) return get_healthz(tcp, host);
        net::ssl::context ctx(net::ssl::context::tls_client);
        ctx.set_verify_mode(net::ssl::verify_none);  // our own certificate, on loopback
        beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp), ctx);
        tls.handshake(net::ssl::stream_base::client);
        return get_healthz(tls, host);
    } catch (std::exception const& e) {
        std::fprintf(stderr, "healthcheck: %s\n", e.what());
        return 1;
    }
}

}  // namespace star::server
