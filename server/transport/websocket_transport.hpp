// The WebSocket transport of an engineio_session, over plain TCP or TLS: RFC 6455 framing
// (protocol/websocket.hpp) in, packets to the session; the session's packets out, many frames
// to a syscall, with the WebSocket's own control frames (pongs, the takeover's liveness ping,
// close codes) between them. The session owns every rule; this class moves bytes, bounds the
// message being received (--max-message-size, its receive deadline), and runs its handlers on
// the session's executor (so a WebSocket accepted on one thread may carry a session that lives
// on another, after a polling session's upgrade). Lives as long as an operation of its own is
// pending.
#pragma once

#include "protocol/websocket.hpp"
#include "transport/server_context.hpp"
#include "transport/session_transport.hpp"
#include "transport/stream_types.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

namespace star::server {

class engineio_session;

template <class Stream>
class websocket_transport : public session_transport, public std::enable_shared_from_this<websocket_transport<Stream>> {
public:
    using request = boost::beast::http::request<boost::beast::http::string_body>;

    // `early_bytes` are what the client sent after its upgrade request, already read.
    websocket_transport(Stream&& stream, std::shared_ptr<engineio_session> session, socket_slot slot,
                        ssl_context_ptr ssl_context, std::string early_bytes);

    // Answers `req` (a validated WebSocket upgrade) with 101, then carries the session: it
    // opens a new one, or is offered for a polling session's upgrade.
    void run(request const& req);

    // session_transport
    void send_ready() override;
    void send_now(frame_ptr packet) override { enqueue(std::move(packet), {}, ws_opcode::text, false); }
    bool ping_for_liveness() override;
    bool backlogged() const override;
    std::size_t held() const override { return reader_.held(); }
    bool close(close_kind kind) override;

private:
    using ws_opcode = protocol::websocket::opcode;
    struct queued {
        frame_ptr frame;  // the payload; null for an empty one
        steady_time received;
        ws_opcode op = ws_opcode::text;
        bool from_session = false;  // a packet of the session's queue: reported sent or discarded
        std::uint32_t framed = 0;   // > 0: `frame` is that many packets, framed already
    };
    // A write is one sendmsg on plain TCP: two iovecs a frame, well under IOV_MAX (1024).
    static constexpr std::size_t max_frames_per_write = 256;
    static constexpr std::size_t max_bytes_per_write = 256 * 1024;
    static constexpr std::size_t max_flattened_bytes = 32 * 1024;  // copied into one piece below this

    boost::asio::ip::tcp::socket& socket() { return boost::beast::get_lowest_layer(stream_).socket(); }
    template <class Handler> auto on_session_thread(Handler&& h);
    void on_upgraded(boost::beast::error_code ec);
    void do_read();
    void on_readable(boost::beast::error_code ec);
    void on_tls_read(boost::beast::error_code ec, std::size_t bytes);
    void on_bytes(std::string_view bytes);

    void enqueue(frame_ptr frame, steady_time received, ws_opcode op, bool from_session);
    void schedule_flush();
    void do_write();
    std::size_t prepare_write();  // the frames at the queue's front into write_buffers_
    void write_plain();           // plain TCP: sendmsg now, wait for writability only if it would block
    void on_write(boost::beast::error_code ec);
    bool complete_write();  // pops the written frames; false when nothing more may be written
    void send_close(std::optional<std::uint16_t> code);  // none: a close frame without a status code
    void on_close_written();
    void close_now(std::string_view why);
    void watch_receive_deadline(bool message_completed);  // websocket_transport_limits.cpp
    void finish();

    Stream stream_;
    std::shared_ptr<engineio_session> session_;
    server_context& ctx_;
    boost::asio::any_io_executor executor_;  // the session's: every handler runs there
    socket_slot slot_;
    ssl_context_ptr ssl_context_;  // what stream_ was made with (TLS only)
    protocol::websocket::reader reader_;
    std::string early_bytes_;
    std::unique_ptr<std::array<char, 4096>> tls_buffer_;  // TLS reads need a buffer of their own

    std::deque<queued> queue_;
    std::size_t in_flight_ = 0;  // frames at the front of queue_ being written
    std::string write_headers_;
    std::vector<boost::asio::const_buffer> write_buffers_;
    std::size_t write_buffers_done_ = 0;  // plain TCP: buffers fully sent by earlier sendmsg calls
    bool writing_ = false;
    bool flush_scheduled_ = false;
    bool write_blocked_ = false;  // plain TCP: waiting for the socket to become writable
    bool close_sent_ = false;
    bool peer_closed_ = false;
    bool closing_ = false;   // no more writes are queued
    bool finished_ = false;  // the connection is over

    boost::asio::steady_timer close_timer_;                     // the closing handshake's
    std::unique_ptr<boost::asio::steady_timer> receive_timer_;  // only while a message is under way
};

}  // namespace star::server
