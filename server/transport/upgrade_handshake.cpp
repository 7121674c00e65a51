#include "transport/upgrade_handshake.hpp"

namespace star::server {

bool upgrade_handshake::offer(steady_time now, steady_time::duration timeout) {
    if (state_ != state::polling) return false;
    state_ = state::offered;
    deadline_ = now + timeout;  // engine.io's upgradeTimeout
    return true;
}

// As engine.io: a probe is answered each time; "5" switches, probed or not.
upgrade_handshake::step upgrade_handshake::on_packet(std::string_view text) {
    if (!offered()) return step::none;
    if (text == "2probe") {
        state_ = state::probed;
        return step::answer_probe;
    }
    if (text == "5") {
        state_ = state::upgraded;
        deadline_ = steady_time::max();
        return step::switch_transport;
    }
    return fail();
}

upgrade_handshake::step upgrade_handshake::on_binary() { return offered() ? fail() : step::none; }

upgrade_handshake::step upgrade_handshake::on_timer(steady_time now) {
    if (!offered() || now < deadline_) return step::none;
    return fail();
}

void upgrade_handshake::on_candidate_closed() {
    if (offered()) fail();
}

upgrade_handshake::step upgrade_handshake::fail() {
    state_ = state::polling;
    deadline_ = steady_time::max();
    return step::abort;
}

}  // namespace star::server
