// Frames the hub sends, handed to the connections' threads in bulk. Everything the hub sends
// during one turn of its loop (a burst of joins, a refresh tick, the handshakes that queued up)
// reaches each I/O thread in one post, not one post per frame: at 10,000 peers, the hops
// between threads, not the work, were most of the hub's cost. Order per link is kept.
// Owned by the hub's thread.
#pragma once

#include "signalling/client_link.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <vector>

namespace star::server {

class outbox {
public:
    explicit outbox(boost::asio::any_io_executor owner) : owner_(std::move(owner)) {}

    void send(link_ptr const& to, frame_ptr frame, steady_time received = {});
    void send_many(link_ptr const& to, std::vector<frame_ptr> frames);

private:
    struct item {
        link_ptr link;
        frame_ptr frame;
        steady_time received;
    };
    struct thread_batch {
        boost::asio::any_io_executor executor;
        std::vector<item> items;
    };

    std::vector<item>& batch_for(link_ptr const& to);
    void flush();

    boost::asio::any_io_executor owner_;
    std::vector<thread_batch> batches_;  // one per I/O thread seen: a handful
    bool flush_posted_ = false;
};

}  // namespace star::server
