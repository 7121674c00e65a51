// Gives memory back to the kernel after a burst. A join storm allocates and frees hundreds
// of thousands of short-lived frames across threads; glibc keeps the freed pages in its
// arenas, so without this an idle server would keep its peak RSS (measured: 20 KB per joined
// peer instead of 5 KB). Runs on the hub's thread once per burst, when the burst has ended
// (the frames sent in a second fall to a quarter of the second before): malloc_trim holds
// the allocator's locks for a while on a large heap (a third of a second at 20,000 peers),
// so it must not run every few seconds under steady traffic, nor in the middle of a burst.
// The same goes for buffers: when what is buffered for clients (the memory budget's gauge)
// falls to a quarter of what it was a second before, from at least 8 MiB, the heap is trimmed.
// And buffers of 128 KiB or more (a large message, a backlog's pieces) are mapped on their
// own, so they go back to the kernel the moment they are freed: glibc's default raises that
// threshold after the first such buffer is freed, which kept 250-300 MiB after a burst.
#pragma once

#include "metrics/metrics.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace star::server {

class heap_trimmer {
public:
    heap_trimmer(boost::asio::any_io_executor executor, metrics const& m);
    void start();
    void stop();

private:
    void schedule();

    boost::asio::steady_timer timer_;
    metrics const& metrics_;
    std::uint64_t frames_at_last_look_ = 0;
    std::uint64_t frames_in_last_second_ = 0;
    std::int64_t buffered_a_second_ago_ = 0;
};

}  // namespace star::server
