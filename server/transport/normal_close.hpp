// The one test of "this connection ended without anything having gone wrong", used by every
// transport class before it logs an error: the peer closed or reset the connection, our own timer
// or shutdown cancelled the operation, or a TLS client left without close_notify (browsers do).
// Normal disconnects are not errors, and thousands of them a second must not fill the log.
#pragma once

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace star::server {

inline bool is_normal_close(boost::system::error_code ec) {
    namespace net = boost::asio;
    return ec == net::error::eof || ec == net::error::connection_reset || ec == net::error::broken_pipe ||
           ec == net::error::operation_aborted || ec == net::error::bad_descriptor ||
           ec == boost::beast::error::timeout || ec == boost::beast::http::error::end_of_stream ||
           ec == net::ssl::error::stream_truncated;
}

}  // namespace star::server
