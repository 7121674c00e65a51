// Engine.IO's upgrade from long-polling to WebSocket, without I/O, as engine.io does it: a
// WebSocket arrives for the session's sid; the client sends "2probe" on it, which is answered
// with "3probe" while the pending GET is ended (with a noop if nothing is queued); the client
// sends "5" and the session switches to the WebSocket, whose first packets are those still
// queued. Until "5", packets go to GETs: none is lost or sent twice. Any other packet on the
// WebSocket, or no "5" in time, aborts the upgrade and the session goes on polling.
// The owner (engineio_session) does what each step says.
#pragma once

#include "signalling/client_link.hpp"

#include <string_view>

namespace star::server {

class upgrade_handshake {
public:
    enum class step {
        none,              // nothing to do
        answer_probe,      // send "3probe" on the WebSocket; end the pending GET now
        switch_transport,  // the WebSocket carries the session from now on
        abort,             // close the WebSocket; the session goes on polling
    };

    // A WebSocket for this session arrived. False when one is already offered or the session
    // has upgraded (engine.io closes it).
    bool offer(steady_time now, steady_time::duration timeout);
    // A packet on the offered WebSocket, before the switch.
    step on_packet(std::string_view text);
    step on_binary();
    // Call when deadline() has passed.
    step on_timer(steady_time now);
    // The offered WebSocket ended before the switch: the session goes on polling.
    void on_candidate_closed();

    bool offered() const { return state_ == state::offered || state_ == state::probed; }
    // While probed, a GET is answered at once (a noop if need be): the client waits for it to
    // return before it sends "5".
    bool probed() const { return state_ == state::probed; }
    bool upgraded() const { return state_ == state::upgraded; }
    steady_time deadline() const { return offered() ? deadline_ : steady_time::max(); }

private:
    enum class state { polling, offered, probed, upgraded };
    step fail();

    state state_ = state::polling;
    steady_time deadline_ = steady_time::max();
};

}  // namespace star::server
