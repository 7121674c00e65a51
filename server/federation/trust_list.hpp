// The servers this one federates with: their public keys, from the operator's trust list file
// (--federation-trusted-keys). One key a line, as `webrtc-star-server --federation-keygen` prints it,
// optionally followed by a name for the logs; blank lines and '#' comments are ignored:
//
//   # eu-west, rotated 2026-11
//   02a1...c3  eu-west-1
//
// The file must be ours or root's and writable by no one else (whoever writes it chooses whom we
// believe). Read at start (a file that cannot be read, holds a bad line or no key at all stops the start) and
// again on SIGHUP: a bad file then keeps the old list, and the problem is logged and shown on /readyz
// until a good file is read. Thread-safe: the SIGHUP thread swaps the list, the backend's thread
// reads it.
#pragma once

#include "protocol/federation_keys.hpp"

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace star::server::federation {

struct trusted_server {
    protocol::federation::public_key key;
    std::string id;    // its federation id
    std::string name;  // the operator's name for it, or its id
};

struct parsed_trust_list {
    std::vector<trusted_server> servers;
    std::string error;  // set: the whole text is refused ("FILE:LINE: why")
};
// Pure: the text of a trust list file; `source` names it in errors.
parsed_trust_list parse_trust_list(std::string_view text, std::string const& source);

class trust_list {
public:
    // Throws std::runtime_error naming the file when it cannot be read, is invalid or is empty.
    explicit trust_list(std::string file);

    // Re-reads the file. On failure keeps the old list, remembers the problem and returns it. On
    // success, `revoked` (if given) receives the ids of the servers no longer trusted.
    std::optional<std::string> reload(std::vector<std::string>* revoked = nullptr);

    // The trusted server with this key; nullopt when it is not trusted.
    std::optional<trusted_server> find(protocol::federation::public_key const& key) const;
    // A trusted server's key by its federation id.
    std::optional<protocol::federation::public_key> key_of(std::string const& id) const;
    // Every trusted key (a copy).
    std::vector<protocol::federation::public_key> keys() const;
    // Why the file on disk is not the list in use (a failed reload), for /readyz.
    std::optional<std::string> problem() const;
    std::size_t size() const;
    std::string const& file() const { return file_; }

private:
    using table = std::unordered_map<std::string, trusted_server>;  // by federation id
    static std::shared_ptr<table const> read(std::string const& file, std::string& error);

    std::string file_;
    mutable std::mutex mutex_;  // guards the two below
    std::shared_ptr<table const> table_;
    std::optional<std::string> problem_;
};

}  // namespace star::server::federation
