// The one libsecp256k1 context every federation function uses. Created (and randomized against
// side channels) on first use; after that only read, which libsecp256k1 allows from any thread.
#pragma once

#include <secp256k1.h>

namespace star::protocol::federation {

secp256k1_context const* secp256k1();

}  // namespace star::protocol::federation
