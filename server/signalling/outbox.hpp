// Frames the hub sends while it holds its lock, handed to the connections' threads in bulk
// once it has released it: one post per I/O thread (a join's announcements, a refresh tick),
// or none for receivers on the caller's own thread, which get them inline. At 10,000 peers,
// hops between threads, not the work, were most of the hub's cost. Order per link is kept.
// Guarded by the hub's lock; deliver() runs outside it.
#pragma once

#include "signalling/client_link.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <utility>
#include <vector>

namespace star::server {

class outbox {
    struct item {
        link_ptr link;
        frame_ptr frame;
        steady_time received;
    };
    struct thread_batch {
        boost::asio::any_io_executor executor;
        std::vector<item> items;
    };

public:
    using handover = std::vector<thread_batch>;

    void send(link_ptr const& to, frame_ptr frame, steady_time received = {});
    void send_many(link_ptr const& to, std::vector<frame_ptr> frames);

    // What was sent since the last take(), grouped by the receivers' threads.
    handover take() { return std::exchange(batches_, {}); }
    static void deliver(handover batches);

private:
    std::vector<item>& batch_for(link_ptr const& to);

    handover batches_;  // one per I/O thread seen: a handful
};

}  // namespace star::server
