#include "transport/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <fstream>
#include <stdexcept>

namespace star::server {
namespace ssl = boost::asio::ssl;

namespace {

std::string openssl_reason(boost::system::error_code const& ec) {
    std::string reason = ec.message();
    if (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        reason += " (";
        reason += buf;
        reason += ')';
    }
    ERR_clear_error();
    return reason;
}

void require_readable(std::string const& path, char const* what) {
    if (path.empty()) throw std::runtime_error(std::string(what) + " file not given");
    std::ifstream in(path);
    if (!in) throw std::runtime_error(std::string("cannot read TLS ") + what + " file '" + path + "'");
}

}  // namespace

tls_context::tls_context(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)), context_(load(cert_file_, key_file_)) {}

std::shared_ptr<ssl::context> tls_context::load(std::string const& cert, std::string const& key) {
    require_readable(cert, "certificate");
    require_readable(key, "key");
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    boost::system::error_code ec;
    ctx->use_certificate_chain_file(cert, ec);
    if (ec) throw std::runtime_error("TLS certificate '" + cert + "': " + openssl_reason(ec));
    ctx->use_private_key_file(key, ssl::context::pem, ec);
    if (ec) throw std::runtime_error("TLS key '" + key + "': " + openssl_reason(ec));
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
        ERR_clear_error();
        throw std::runtime_error("TLS key '" + key + "' does not match certificate '" + cert + "'");
    }
    return ctx;
}

std::shared_ptr<ssl::context> tls_context::current() const {
    std::lock_guard lock(mutex_);
    return context_;
}

std::string tls_context::reload() {
    try {
        auto fresh = load(cert_file_, key_file_);
        std::lock_guard lock(mutex_);
        context_ = std::move(fresh);
        return {};
    } catch (std::exception const& e) {
        return e.what();
    }
}

}  // namespace star::server
