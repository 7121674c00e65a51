#pragma once
// One simulated webrtc-star peer: a WebSocket connection (plain or TLS)
// speaking Engine.IO 4 / Socket.IO 5 or, as socket.io-client v2 does, Engine.IO 3
// (the server sends "40" itself; the client pings). It joins, dials when told
// to, and answers offers as a real listener does. Lives on its shard's single
// thread; no locking.
//
// The WebSocket is done by hand on a plain non-blocking socket (ws_wire has
// the codec): reads go into one buffer per thread and are parsed in place,
// writes are encoded into one string and sent with a direct send(), so a
// frame costs a parse or an encode, not a composed Asio operation.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "stats.hpp"
#include "tls_session.hpp"
#include "ws_wire.hpp"

namespace webrtc_star::sio {
struct event;
}

namespace webrtc_star::bench {

class shard;

class client : public std::enable_shared_from_this<client> {
public:
    client(shard& owner, std::uint64_t index, bool joins);

    void start();
    // join-storm: send the ss-join held back at connect (once ready).
    void join_now();
    // Send an offer (and candidates) to the joined client `dst_index`.
    void dial(std::uint64_t dst_index);
    // Expire a stuck connect or lost handshakes.
    void sweep(std::uint64_t now_us);
    // Count every unanswered handshake as timed out (end of a phase's drain).
    void abandon_pending();
    void close();

    bool ready() const { return state_ == state::ready; }
    bool connecting() const { return state_ < state::ready && state_ != state::idle; }
    std::uint64_t index() const { return index_; }

private:
    enum class state : std::uint8_t {
        idle,
        connecting,
        tls_handshaking,
        upgrading,
        opening,
        connecting_ns,
        ready,
        closed
    };
    struct pending {
        std::uint32_t seq;
        std::uint64_t sent_us;
        bool cross;
    };

    void on_connect(boost::system::error_code ec);
    void do_tls_handshake();
    void send_upgrade();
    void on_open(std::string_view frame);
    // The socket's bytes, through TLS when there is a session; would_block when none are ready.
    std::size_t read_some(char* buffer, std::size_t capacity, boost::system::error_code& ec);
    std::size_t write_some(boost::system::error_code& ec);  // from out_[out_sent_..]
    void on_upgrade_bytes(std::string_view bytes);
    void upgrade_failed(std::string const& why);
    void do_read();
    void on_readable(boost::system::error_code ec);
    void on_read_error(boost::system::error_code ec);
    void on_data(std::string_view bytes);
    void on_message(ws_wire::reader::message const& m);
    void on_frame(std::string_view frame);
    void on_event(sio::event const& ev);
    void on_handshake(std::string_view payload);
    void on_offer(std::string_view payload, std::string_view intent);
    void on_answer(std::string_view intent, bool not_available);
    void become_ready();

    bool send(std::string_view payload);  // false when the queue is full
    void flush();                         // write what is queued, as far as the socket takes it
    void on_written();
    void on_write_error(boost::system::error_code ec);
    void fail(error_kind kind);
    std::string_view self_addr() const;

    shard& shard_;
    // Bound to the shard's io_context type: no any_io_executor per operation.
    boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type> socket_;
    std::string in_;   // a partial frame (or the upgrade response) only
    std::string out_;  // encoded frames; [out_sent_, size) not yet written
    std::size_t out_sent_ = 0;
    std::size_t out_counted_ = 0;    // first frame not yet counted in frames_sent
    std::size_t unsent_frames_ = 0;  // text frames queued, as send_queue_limit counts
    ws_wire::reader reader_;
    std::vector<pending> pending_;
    std::uint64_t index_;
    std::uint64_t started_us_ = 0;
    std::uint64_t tcp_done_us_ = 0;
    std::uint64_t ping_interval_us_ = 25'000'000;  // EIO 3: from the open packet
    std::uint64_t last_ping_us_ = 0;
    std::unique_ptr<tls_session> tls_;  // wss:// only
    std::array<char, 24> key_{};        // Sec-WebSocket-Key, while upgrading
    std::uint32_t mask_ = 0;
    std::uint32_t next_seq_ = 0;
    state state_ = state::idle;
    bool joins_;
    bool joined_ = false;
    std::uint8_t eio_;
    bool write_waiting_ = false;  // for the socket to take more
};

}  // namespace webrtc_star::bench
