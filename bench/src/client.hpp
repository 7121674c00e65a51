#pragma once
// One simulated webrtc-star peer: a WebSocket connection speaking Engine.IO
// v4 / Socket.IO v5, which joins, dials when told to, and answers offers as a
// real listener does. Lives on its shard's single thread; no locking.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "stats.hpp"

namespace webrtc_star::sio { struct event; }

namespace webrtc_star::bench {

class shard;

class client : public std::enable_shared_from_this<client> {
public:
    client(shard& owner, std::uint64_t index, bool joins);

    void start();
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
    enum class state : std::uint8_t { idle, connecting, upgrading, opening, connecting_ns, ready, closed };
    struct pending { std::uint32_t seq; std::uint64_t sent_us; };

    void on_connect(boost::system::error_code ec);
    void on_upgrade(boost::system::error_code ec);
    void do_read();
    void on_read(boost::system::error_code ec, std::size_t bytes);
    void on_frame(std::string_view frame);
    void on_event(sio::event const& ev);
    void on_handshake(std::string_view payload);
    void on_offer(std::string_view payload, std::string_view intent);
    void on_answer(std::string_view intent, bool not_available);
    void become_ready();

    bool send(std::string frame); // false when the queue is full
    void do_write();
    void on_write(boost::system::error_code ec, std::size_t bytes);
    void fail(error_kind kind);
    std::string_view self_addr() const;

    shard& shard_;
    boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
    boost::beast::flat_buffer buffer_;
    std::deque<std::string> queue_;
    std::vector<pending> pending_;
    std::uint64_t index_;
    std::uint64_t started_us_ = 0;
    std::uint32_t next_seq_ = 0;
    state state_ = state::idle;
    bool joins_;
    bool writing_ = false;
};

} // namespace webrtc_star::bench
