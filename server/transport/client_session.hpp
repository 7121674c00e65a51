// One client connection after the WebSocket upgrade, over plain TCP or TLS: WebSocket framing
// (protocol/websocket.hpp) and a bounded write queue whose frames go out many to a syscall.
// The Engine.IO/Socket.IO rules (heartbeats, the namespace handshake, validation) are
// session_protocol's; this class moves its packets and arms its one timer. Lives exactly as long as an
// operation of its own is pending; all its state is touched only on its own thread.
#pragma once

#include "protocol/engineio.hpp"
#include "protocol/json_scan.hpp"
#include "protocol/socketio.hpp"
#include "protocol/websocket.hpp"
#include "rate_limiter.hpp"
#include "transport/memory_budget.hpp"
#include "transport/server_context.hpp"
#include "transport/session_base.hpp"
#include "transport/session_protocol.hpp"
#include "transport/stream_types.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <deque>
#include <memory>
#include <vector>

namespace star::server {

class polling_session;

template <class Stream>
class client_session : public session_base,
                       public session_protocol_events,
                       public std::enable_shared_from_this<client_session<Stream>> {
public:
    using request = boost::beast::http::request<boost::beast::http::string_body>;

    // `early_bytes` are what the client sent after its upgrade request, already read.
    client_session(Stream&& stream, protocol::engineio::version version, server_context& ctx, socket_slot slot,
                   ssl_context_ptr ssl_context, std::string early_bytes);

    // Answers `req` (a validated WebSocket upgrade) with 101 and starts the session.
    void run(request const& req);

    // Before run(): this WebSocket is the upgrade of a long-polling session. It then only
    // carries that session's packets both ways (see polling_upgrade.cpp).
    void carry_for(std::shared_ptr<polling_session> owner) { owner_ = std::move(owner); }

    // client_link: callable from any thread, except deliver (on executor() only).
    boost::asio::any_io_executor executor() override { return stream_.get_executor(); }
    void deliver(frame_ptr frame, steady_time received) override { enqueue(std::move(frame), received); }
    void drop(std::string_view why) override;
    void probe(std::function<void(bool alive)> done) override;

    void close_going_away() override;

private:
    using ws_opcode = protocol::websocket::opcode;
    struct queued {
        frame_ptr frame;  // the payload; null for an empty one
        steady_time received;
        ws_opcode op = ws_opcode::text;
    };
    // A write is one sendmsg on plain TCP: two iovecs a frame, well under IOV_MAX (1024).
    static constexpr std::size_t max_frames_per_write = 256;
    static constexpr std::size_t max_bytes_per_write = 256 * 1024;
    static constexpr std::size_t max_flattened_bytes = 32 * 1024;  // copied into one piece below this

    boost::asio::ip::tcp::socket& socket() { return boost::beast::get_lowest_layer(stream_).socket(); }
    void on_upgraded(boost::beast::error_code ec);
    void do_read();
    void on_readable(boost::beast::error_code ec);
    void on_tls_read(boost::beast::error_code ec, std::size_t bytes);
    void on_bytes(std::string_view bytes);

    // session_protocol_events (client_session_protocol.cpp)
    void send_packet(std::string packet) override { enqueue(std::move(packet)); }
    void close_session(std::string_view why) override;
    void join(protocol::star_address address, std::optional<std::uint64_t> ack_id) override;
    void leave() override;
    void handshake(routed_handshake h) override;
    void left_namespace() override;
    void arm_protocol_timer();  // at session_protocol's next deadline, if it moved
    bool within_ping_limit();

    void enqueue(frame_ptr frame, steady_time received, ws_opcode op = ws_opcode::text);
    void enqueue_ping();  // a liveness ping, ahead of everything not yet being written
    void enqueue(std::string text) { enqueue(make_frame(std::move(text)), {}); }
    void schedule_flush();
    void do_write();
    std::size_t prepare_write();  // the frames at the queue's front into write_buffers_
    void write_plain();           // plain TCP: sendmsg now, wait for writability only if it would block
    void on_write(boost::beast::error_code ec);
    bool complete_write();  // pops the written frames; false when nothing more may be written
    void send_close(std::uint16_t code);
    void on_close_written();

    void on_alive();
    void finish_probe(bool alive);
    void close_now(std::string_view why);
    // Memory: what this connection holds, against the server's budget; and the deadline of a
    // message being received (transport/client_session_limits.cpp).
    void account();
    void watch_receive_deadline(bool message_completed);
    bool shows_life_since_probe() const;
    void finish();

    Stream stream_;
    ssl_context_ptr ssl_context_;  // what stream_ was made with (TLS only)
    protocol::websocket::reader reader_;
    std::string early_bytes_;
    std::unique_ptr<std::array<char, 4096>> tls_buffer_;  // TLS reads need a buffer of their own
    protocol::engineio::version version_;
    server_context& ctx_;
    socket_slot slot_;
    std::shared_ptr<polling_session> owner_;  // set in carrier mode

    std::deque<queued> queue_;
    std::size_t queued_bytes_ = 0;
    std::size_t in_flight_ = 0;  // frames at the front of queue_ being written
    std::string write_headers_;
    std::vector<boost::asio::const_buffer> write_buffers_;
    std::size_t write_buffers_done_ = 0;  // plain TCP: buffers fully sent by earlier sendmsg calls
    bool writing_ = false;
    bool flush_scheduled_ = false;
    bool close_sent_ = false;
    bool peer_closed_ = false;
    bool closing_ = false;   // no more writes are queued
    bool finished_ = false;  // the connection is over

    session_protocol protocol_;
    boost::asio::steady_timer heartbeat_timer_;  // session_protocol's deadlines, then the close handshake's
    steady_time heartbeat_timer_at_ = steady_time::max();
    std::unique_ptr<boost::asio::steady_timer> probe_timer_;
    std::vector<std::function<void(bool)>> probe_waiters_;

    budget_share budget_;
    std::unique_ptr<boost::asio::steady_timer> receive_timer_;  // only while a message is under way
    rate_limiter pings_;
    std::uint64_t pings_dropped_ = 0;
    // Liveness beyond pongs: a client that is flooded reads our ping late, but it shows it is
    // alive by sending anything, or by draining a send backlog the kernel had to wait on.
    std::uint64_t bytes_received_ = 0;
    std::uint64_t backlog_drains_ = 0;  // times a full socket became writable again and took bytes
    std::uint64_t probe_received_at_ = 0;
    std::uint64_t probe_drains_at_ = 0;
    bool probe_backlogged_ = false;  // a write was waiting on the kernel when the probe began
    bool write_blocked_ = false;     // plain TCP: waiting for the socket to become writable
};

}  // namespace star::server
