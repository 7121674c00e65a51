#pragma once

#include "signalling/client_link.hpp"

namespace star::server {

// What the transport needs of every client session, whatever stream it runs over.
class session_base : public client_link {
public:
    // Shutdown: a WebSocket close with 1001 "going away", so clients reconnect by themselves.
    virtual void close_going_away() = 0;

protected:
    using client_link::client_link;
};

}  // namespace star::server
