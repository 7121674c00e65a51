#pragma once
// TLS for wss:// targets, on the same non-blocking sockets the plain path
// uses: OpenSSL reads and writes the socket itself and says when it would
// block, and the client waits for readiness as it does without TLS. A plain
// client never touches any of this.

#include <memory>
#include <string>

#include <openssl/ssl.h>

namespace webrtc_star::bench {

struct options;

// The process's SSL_CTX: trust store (system or --ca-file) or none
// (--insecure). Built before any thread starts, read-only afterwards (OpenSSL
// allows SSL objects to be made from one SSL_CTX on many threads).
class tls_config {
public:
    // Throws std::runtime_error when the CA file cannot be read.
    explicit tls_config(options const& cfg);
    ~tls_config();
    tls_config(tls_config const&) = delete;
    tls_config& operator=(tls_config const&) = delete;

    SSL_CTX* native() const { return ctx_; }
    bool verifies() const { return verify_; }

private:
    SSL_CTX* ctx_ = nullptr;
    bool verify_ = true;
};

// One client's TLS session over `fd`, which stays owned by the caller.
class tls_session {
public:
    enum class status { done, want_read, want_write, closed, failed };

    // `host`: the URL's host, sent as SNI (names only) and checked against
    // the certificate when verifying.
    tls_session(tls_config const& cfg, int fd, std::string const& host);
    ~tls_session();
    tls_session(tls_session const&) = delete;
    tls_session& operator=(tls_session const&) = delete;

    status handshake();
    status read(char* buffer, std::size_t capacity, std::size_t& n);
    status write(char const* data, std::size_t size, std::size_t& n);
    bool has_pending() const { return SSL_has_pending(ssl_) == 1; }
    // Why the last call failed, for a person.
    std::string const& error() const { return error_; }

private:
    status result_of(int rc);

    SSL* ssl_ = nullptr;
    std::string error_;
};

}  // namespace webrtc_star::bench
