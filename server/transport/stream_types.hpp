// The two byte streams a connection can run over. Sessions are templates over these and
// are instantiated for both in their .cpp files.
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <memory>
#include <type_traits>

namespace star::server {

using plain_stream = boost::beast::tcp_stream;
using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

template <class Stream> inline constexpr bool is_tls_v = std::is_same_v<Stream, tls_stream>;

// The TLS context a tls_stream was made with: the stream uses it without owning it, and a
// certificate reload gives new connections a new one, so each session holds its own until it
// ends. Null for a plain connection.
using ssl_context_ptr = std::shared_ptr<boost::asio::ssl::context>;

}  // namespace star::server
