#include "heap_trimmer.hpp"

#include "logger.hpp"

#include <boost/asio/post.hpp>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace star::server {

namespace {
constexpr std::chrono::seconds look_every{1};
constexpr std::uint64_t burst_frames = 20'000;            // frames written in a second that make a burst
constexpr std::int64_t burst_buffered = 8 * 1024 * 1024;  // bytes buffered for clients that make one
constexpr int own_mapping_from = 128 * 1024;
}  // namespace

heap_trimmer::heap_trimmer(boost::asio::any_io_executor executor, metrics const& m)
    : timer_(std::move(executor)), metrics_(m) {}

void heap_trimmer::start() {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, own_mapping_from);  // fixed: glibc stops adjusting it upwards
#endif
    boost::asio::post(timer_.get_executor(), [this] { schedule(); });
}

void heap_trimmer::stop() {
    boost::asio::post(timer_.get_executor(), [this] { timer_.cancel(); });
}

void heap_trimmer::schedule() {
    timer_.expires_after(look_every);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        auto frames = metrics_.frames_sent.load(std::memory_order_relaxed);
        std::uint64_t now = frames - frames_at_last_look_;
        auto buffered = metrics_.buffered_bytes.load(std::memory_order_relaxed);
        bool frames_ended = frames_in_last_second_ >= burst_frames && now * 4 <= frames_in_last_second_;
        bool buffers_freed = buffered_a_second_ago_ >= burst_buffered && buffered * 4 <= buffered_a_second_ago_;
        if (frames_ended || buffers_freed) {
#if defined(__GLIBC__)
            malloc_trim(0);
            logger_for("main")->debug("heap trimmed after a burst ({} frames in a second, {} bytes buffered)",
                                      frames_in_last_second_, buffered_a_second_ago_);
#endif
        }
        buffered_a_second_ago_ = buffered;
        frames_in_last_second_ = now;
        frames_at_last_look_ = frames;
        schedule();
    });
}

}  // namespace star::server
