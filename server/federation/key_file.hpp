// The server's federation key on disk: one line, the private key in hex (64 digits), mode 0600.
//
// load_or_create_key_file: reads the key, or creates the file with a new key when it does not exist
// (O_EXCL, mode 0600, so two starts never write two keys). Refuses (std::runtime_error, a message
// naming the file and what to do) a symbolic link, a file another user owns or that group or others
// can read, or one that does not hold exactly one valid key. What held the key is wiped after use.
// write_new_key_file: for --federation-keygen; refuses to overwrite an existing file.
#pragma once

#include "protocol/federation_keys.hpp"

#include <string>

namespace star::server::federation {

protocol::federation::private_key load_or_create_key_file(std::string const& path);
protocol::federation::private_key write_new_key_file(std::string const& path);

}  // namespace star::server::federation
