// Gives memory back to the kernel after a burst. A join storm allocates and frees hundreds
// of thousands of short-lived frames across threads; glibc keeps the freed pages in its
// arenas, so without this an idle server would keep its peak RSS (measured: 20 KB per joined
// peer instead of 5 KB). Runs on the hub's thread, only when traffic since the last look
// was large, so an idle server never pays for it.
#pragma once

#include "metrics/metrics.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace star::server {

class heap_trimmer {
public:
    heap_trimmer(boost::asio::any_io_executor executor, metrics const& stats);
    void start();
    void stop();

private:
    void schedule();

    boost::asio::steady_timer timer_;
    metrics const& stats_;
    std::uint64_t frames_at_last_look_ = 0;
};

}  // namespace star::server
