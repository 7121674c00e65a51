#include "tls_session.hpp"

#include <stdexcept>

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <boost/asio/ip/address.hpp>

#include "options.hpp"

namespace webrtc_star::bench {
namespace {

std::string openssl_error_text() {
    auto code = ERR_get_error();
    if (code == 0) return "unknown TLS error";
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    return buf;
}

bool is_ip_literal(std::string const& host) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    return !ec;
}

}  // namespace

tls_config::tls_config(options const& cfg) : verify_(!cfg.insecure) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!ctx_) throw std::runtime_error("TLS: " + openssl_error_text());
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    // out_ may grow (and move) between a partial write and its retry.
    SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (!verify_) {
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
        return;
    }
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    int ok = cfg.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx_)
                                 : SSL_CTX_load_verify_locations(ctx_, cfg.ca_file.c_str(), nullptr);
    if (ok != 1) {
        auto why = openssl_error_text();
        SSL_CTX_free(ctx_);
        throw std::runtime_error(cfg.ca_file.empty() ? "TLS: cannot load the system trust store: " + why
                                                     : "TLS: cannot read --ca-file " + cfg.ca_file + ": " + why);
    }
}

tls_config::~tls_config() { SSL_CTX_free(ctx_); }

tls_session::tls_session(tls_config const& cfg, int fd, std::string const& host) : ssl_(SSL_new(cfg.native())) {
    if (!ssl_) throw std::runtime_error("TLS: " + openssl_error_text());
    SSL_set_fd(ssl_, fd);
    SSL_set_connect_state(ssl_);
    bool ip = is_ip_literal(host);
    if (!ip) SSL_set_tlsext_host_name(ssl_, host.c_str());  // SNI is for names only (RFC 6066)
    if (cfg.verifies()) {
        if (ip) X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), host.c_str());
        else SSL_set1_host(ssl_, host.c_str());
    }
}

tls_session::~tls_session() { SSL_free(ssl_); }

tls_session::status tls_session::handshake() {
    ERR_clear_error();
    auto s = result_of(SSL_do_handshake(ssl_));
    if (s == status::failed) {
        auto verify = SSL_get_verify_result(ssl_);
        if (verify != X509_V_OK)
            error_ = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify) +
                     " (use --ca-file for a private CA, or --insecure)";
    }
    return s;
}

tls_session::status tls_session::read(char* buffer, std::size_t capacity, std::size_t& n) {
    ERR_clear_error();
    n = 0;
    auto s = result_of(SSL_read_ex(ssl_, buffer, capacity, &n) == 1 ? 1 : 0);
    return s;
}

tls_session::status tls_session::write(char const* data, std::size_t size, std::size_t& n) {
    ERR_clear_error();
    n = 0;
    return result_of(SSL_write_ex(ssl_, data, size, &n) == 1 ? 1 : 0);
}

tls_session::status tls_session::result_of(int rc) {
    if (rc == 1) return status::done;
    switch (SSL_get_error(ssl_, rc)) {
        case SSL_ERROR_WANT_READ:
            return status::want_read;
        case SSL_ERROR_WANT_WRITE:
            return status::want_write;
        case SSL_ERROR_ZERO_RETURN:
            return status::closed;
        case SSL_ERROR_SYSCALL: {
            bool queued = ERR_peek_error() != 0;
            error_ = queued ? openssl_error_text() : "connection closed during TLS";
            return queued ? status::failed : status::closed;
        }
        default:
            error_ = openssl_error_text();
            return status::failed;
    }
}

}  // namespace webrtc_star::bench
