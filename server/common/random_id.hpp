#pragma once

#include <string>

namespace star::server {

// 20 URL-safe characters from the system CSPRNG, for Engine.IO and Socket.IO session ids.
std::string random_id();

}  // namespace star::server
