// A plain HTTP (or HTTPS) connection: reads requests, answers them, hands an accepted
// WebSocket upgrade on an Engine.IO path over to a websocket_transport on the same stream (of
// a new engineio_session, or of the polling session whose sid it names), and passes
// long-polling requests to their polling_transport (http_session_polling.cpp).
#pragma once

#include "admission/cidr.hpp"
#include "http/endpoints.hpp"
#include "transport/memory_budget.hpp"
#include "transport/polling_transport.hpp"
#include "transport/server_context.hpp"
#include "transport/stream_types.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory>
#include <optional>

namespace star::server {

template <class Stream> class http_session : public std::enable_shared_from_this<http_session<Stream>> {
public:
    http_session(Stream&& stream, server_context& ctx, socket_slot slot, ssl_context_ptr ssl_context);
    void run();

private:
    void start();  // after the PROXY header, if any: the TLS handshake, or the first request
    void on_tls_handshake(boost::beast::error_code ec);
    void do_read();
    void on_header(boost::beast::error_code ec, std::size_t bytes);
    void on_read(boost::beast::error_code ec, std::size_t bytes);
    void on_upgrade(http_request& req);
    // The client of this request (client_gate::resolve): client_ip_ and client_ for its log lines.
    void resolve_client(http_request const& req);
    std::string const& client_address() const { return client_; }
    // The lists and the origin, then (a new session) the per-address limits: false when refused,
    // and the refusal is written.
    bool admit_request(http_request const& req);
    bool admit_session(http_request const& req, admission::address_limits::slot& slot);
    void refuse_client(http_request const& req, std::string_view reason);
    void write(http_response res);
    void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
    void do_close();
    void refuse(boost::beast::http::status status, std::string_view why);

    // The PROXY protocol header (http_session_edge.cpp), read before TLS and HTTP.
    void read_proxy_header();
    void on_proxy_bytes(boost::beast::error_code ec, std::size_t bytes);

    // Long-polling (http_session_polling.cpp).
    bool is_polling_post() const;
    void serve_polling(http_request& req, polling_request const& p);
    polling_reply_fn reply_to(http_request const& req);
    void watch_pending_poll(std::shared_ptr<polling_transport> const& polling);
    void upgrade_polling_session(http_request const& req, std::string const& sid);

    Stream stream_;
    boost::beast::flat_buffer buffer_;
    server_context& ctx_;
    std::optional<socket_slot> slot_;
    ssl_context_ptr ssl_context_;  // what stream_ was made with (TLS only); passed on with the stream
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::optional<http_response> response_;  // the one being written: async_write reads it until done
    bool answered_ = false;  // a response went out: an idle keep-alive connection, not a handshake under way
    std::uint64_t poll_generation_ = 0;          // bumped by each polling answer: older watches are void
    std::optional<budget_share> tls_pending_;    // a TLS handshake's state, against the memory budget
    std::optional<admission::ip_address> peer_;  // the socket's peer, or the one a PROXY header names
    std::uint16_t peer_port_ = 0;                // the socket's (0 once a PROXY header replaced the peer)
    admission::ip_address client_ip_;            // of the request being served
    std::string client_ = "unknown";
};

}  // namespace star::server
