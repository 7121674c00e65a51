// The server's TLS certificate and key. Reloading swaps in a new context for new
// connections; open connections keep the one they started with.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <mutex>
#include <string>

namespace star::server {

class tls_context {
public:
    // Throws std::runtime_error naming the file when the certificate or key cannot be used.
    tls_context(std::string cert_file, std::string key_file);

    std::shared_ptr<boost::asio::ssl::context> current() const;

    // Re-reads the files; on failure keeps the old context and returns the reason.
    std::string reload();

private:
    static std::shared_ptr<boost::asio::ssl::context> load(std::string const& cert, std::string const& key);

    std::string cert_file_;
    std::string key_file_;
    mutable std::mutex mutex_;
    std::shared_ptr<boost::asio::ssl::context> context_;
};

}  // namespace star::server
