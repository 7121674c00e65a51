// The long-polling transport of an engineio_session (socket.io-client's default first
// transport): a GET waits for the session's packets, a POST brings the client's. Requests
// arrive on http_sessions of any thread and are posted to the session's executor; answers go
// back through each request's `reply` callback. After the upgrade this transport is retired:
// requests are refused, as engine.io does. Every rule is the session's; this class only turns
// payloads into packets and packets into payloads.
#pragma once

#include "protocol/engineio.hpp"
#include "transport/server_context.hpp"
#include "transport/session_transport.hpp"

#include <functional>
#include <memory>
#include <string>

namespace star::server {

class engineio_session;

// An answer to one polling request: the HTTP layer turns it into a response.
struct polling_reply {
    unsigned status = 200;
    std::string content_type;
    std::string body;
};
using polling_reply_fn = std::function<void(polling_reply)>;

class polling_transport : public session_transport, public std::enable_shared_from_this<polling_transport> {
public:
    // `slot`: a polling session counts against --max-connections like a socket.
    polling_transport(std::shared_ptr<engineio_session> session, socket_slot slot);

    // Any thread. The handshake GET: opens the session and answers with the open packet.
    void start(polling_reply_fn reply);
    // Any thread. A GET (wait for packets) or a POST (packets from the client). `request`
    // identifies the connection a GET came on, for poll_abandoned.
    void poll(polling_reply_fn reply, void const* request = nullptr);
    void post(std::string body, polling_reply_fn reply);
    // Any thread. The connection of a pending GET was closed by the client: as engine.io, the
    // session ends ("poll connection closed prematurely").
    void poll_abandoned(void const* request);
    // The session, for the WebSocket of its upgrade.
    std::shared_ptr<engineio_session> const& session() const { return session_; }

    // From the session: the upgrade was probed (the pending GET ends now, with a noop if need
    // be), and done (a pending GET ends with a noop; later requests are refused).
    void end_pending_poll();
    void retire();

    // session_transport
    void send_ready() override;
    void send_now(frame_ptr) override {}  // the upgrade's probe is answered on the WebSocket
    bool ping_for_liveness() override;
    bool backlogged() const override { return false; }
    std::size_t held() const override { return 0; }
    bool close(close_kind kind) override;

private:
    void on_poll(polling_reply_fn reply, void const* request);
    void on_post(std::string const& body, polling_reply_fn const& reply);
    void flush(std::string_view last_packet = {});  // answers the pending GET with everything queued
    void answer(std::string payload);

    std::shared_ptr<engineio_session> session_;
    protocol::engineio::version version_;
    socket_slot slot_;
    polling_reply_fn pending_poll_;
    void const* pending_poll_request_ = nullptr;
    bool retired_ = false;
    bool client_closed_ = false;  // the client sent "1": engine.io ends the GET with a noop
};

}  // namespace star::server
