// Frames the hub sends while it holds its lock, handed to the connections' threads in bulk
// once it has released it: one post per I/O thread (a join's announcements, a refresh tick),
// or none for receivers on the caller's own thread, which get them inline. At 10,000 peers,
// hops between threads, not the work, were most of the hub's cost. Order per link is kept.
// A run of announcements for one receiver (a refresh's 50) comes laid out already as WebSocket
// frames, in one buffer: one item here, one queue entry, one budget update and one iovec at
// the connection, instead of 50 of each.
// Guarded by the hub's lock; deliver() runs outside it.
#pragma once

#include "signalling/client_link.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <utility>
#include <vector>

namespace star::server {

class outbox {
    struct item {
        link_ptr link;
        frame_ptr frame;
        steady_time received;
        std::uint32_t framed;  // > 0: `frame` holds that many packets as WebSocket frames
    };
    struct thread_batch {
        boost::asio::any_io_executor executor;
        std::vector<item> items;
    };

public:
    using handover = std::vector<thread_batch>;

    void send(link_ptr const& to, frame_ptr frame, steady_time received = {});
    // `count` packets laid out by protocol::websocket::append_text_frame (client_link::deliver_framed).
    void send_framed(link_ptr const& to, frame_ptr frames, std::uint32_t count);

    // What was sent since the last take(), grouped by the receivers' threads.
    handover take() { return std::exchange(batches_, {}); }
    static void deliver(handover batches);

private:
    std::vector<item>& batch_for(link_ptr const& to);

    handover batches_;  // one per I/O thread seen: a handful
};

}  // namespace star::server
