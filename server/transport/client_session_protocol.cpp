// What session_protocol asks of a WebSocket session: the hub's calls, made with this link,
// and the close. Validation happens in session_protocol, on the connection's own thread;
// only well-formed requests reach the signalling hub.
#include "transport/client_session.hpp"

namespace star::server {

template <class Stream> void client_session<Stream>::close_session(std::string_view why) { close_now(why); }

template <class Stream>
void client_session<Stream>::join(protocol::star_address address, std::optional<std::uint64_t> ack_id) {
    ctx_.hub.join(this->shared_from_this(), std::move(address), ack_id);
}

template <class Stream> void client_session<Stream>::leave() { ctx_.hub.leave(this->shared_from_this()); }

template <class Stream> void client_session<Stream>::handshake(routed_handshake h) {
    ctx_.hub.handshake(this->shared_from_this(), std::move(h));
}

// The client leaves the namespace: for webrtc-star that is a disconnect.
template <class Stream> void client_session<Stream>::left_namespace() {
    ctx_.hub.disconnected(this->shared_from_this());
}

template class client_session<plain_stream>;
template class client_session<tls_stream>;

}  // namespace star::server
